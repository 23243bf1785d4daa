//! The job table: a bounded queue of jobs, the worker threads that run
//! them (off the async runtime), progress, cancellation and the finished
//! jobs kept. Knows nothing about HTTP.

use super::{CheckBody, JobBody, JobKind, JobStatus, Progress, SharedJson};
use crate::api::Config;
use chrono::{DateTime, Utc};
use prometheus_client::metrics::gauge::Gauge;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once, PoisonError};

/// Finished jobs kept (the oldest finished job is dropped beyond this).
pub(crate) const KEEP_FINISHED: usize = 64;

/// Progress counters a running job updates.
#[derive(Default)]
pub(super) struct Counter {
    done: AtomicU64,
    total: AtomicU64,
}

impl Counter {
    pub(super) fn set(&self, done: usize, total: usize) {
        self.total.store(total as u64, Ordering::Relaxed);
        self.done.store(done as u64, Ordering::Relaxed);
    }
    fn get(&self) -> Progress {
        Progress {
            done: self.done.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
        }
    }
}

/// What a running job may use.
pub(super) struct RunCtx {
    pub(super) cancel: Arc<AtomicBool>,
    pub(super) progress: Arc<Counter>,
    /// Folder for the job's files (created by the job if it writes any).
    pub(super) dir: PathBuf,
}

/// What a job produced.
pub(super) struct Outcome {
    pub(super) result: serde_json::Value,
    pub(super) check: Option<CheckBody>,
    /// Downloadable files (names in [`RunCtx::dir`]).
    pub(super) files: Vec<String>,
}

/// The computation of a job: runs on a worker thread; `Err` is the
/// message of a failed job (no internals).
pub(super) type Work = Box<dyn FnOnce(&RunCtx) -> Result<Outcome, String> + Send>;

struct Job {
    id: String,
    kind: JobKind,
    /// Submission order.
    seq: u64,
    owner: String,
    description: String,
    status: JobStatus,
    created: DateTime<Utc>,
    started: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    progress: Arc<Counter>,
    cancel: Arc<AtomicBool>,
    error: Option<String>,
    result: Option<SharedJson>,
    check: Option<CheckBody>,
    files: Vec<String>,
    /// Until a worker takes it.
    work: Option<Work>,
    /// A worker is running it (possibly already cancelled).
    on_worker: bool,
}

impl Job {
    fn body(&self, with_result: bool) -> JobBody {
        JobBody {
            id: self.id.clone(),
            kind: self.kind,
            status: self.status,
            description: self.description.clone(),
            progress: self.progress.get(),
            created_at: self.created,
            started_at: self.started,
            finished_at: self.finished,
            owner: self.owner.clone(),
            error: self.error.clone(),
            result: self.result.clone().filter(|_| with_result),
            check: self.check.clone().filter(|_| with_result),
        }
    }

    /// Whether `viewer` (`None`: an admin) may see this job at `kind`'s
    /// routes.
    fn visible(&self, kind: JobKind, viewer: Option<&str>) -> bool {
        self.kind == kind && viewer.is_none_or(|v| v == self.owner)
    }

    /// Marks the job cancelled; a queued job also stops being queued.
    fn mark_cancelled(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        if self.status == JobStatus::Queued {
            self.finished = Some(Utc::now());
            self.work = None;
        }
        self.status = JobStatus::Cancelled;
    }
}

#[derive(Default)]
struct Table {
    jobs: HashMap<String, Job>,
    queue: VecDeque<String>,
    running: usize,
    seq: u64,
    /// No more submissions (the service is shutting down).
    closed: bool,
    /// Workers exit (the state was dropped).
    shutdown: bool,
}

impl Table {
    /// Jobs queued or on a worker.
    fn active(&self) -> usize {
        self.queue.len() + self.running
    }

    /// Drops the oldest finished jobs beyond [`KEEP_FINISHED`]; returns the
    /// ids of dropped simulations (their folders are to be removed).
    fn evict(&mut self) -> Vec<String> {
        let mut done: Vec<(u64, String)> = self
            .jobs
            .values()
            .filter(|j| j.status.is_final() && !j.on_worker)
            .map(|j| (j.seq, j.id.clone()))
            .collect();
        if done.len() <= KEEP_FINISHED {
            return Vec::new();
        }
        done.sort_unstable();
        let excess = done.len() - KEEP_FINISHED;
        done.into_iter()
            .take(excess)
            .filter_map(|(_, id)| self.jobs.remove(&id))
            .filter(|j| j.kind == JobKind::Simulation)
            .map(|j| j.id)
            .collect()
    }
}

/// State shared with the worker threads.
struct Shared {
    table: Mutex<Table>,
    wake: Condvar,
    gauge: Gauge,
    work_dir: PathBuf,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn update_gauge(&self, t: &Table) {
        self.gauge.set(t.active() as i64);
    }

    fn remove_dirs(&self, ids: &[String]) {
        for id in ids {
            let dir = self.work_dir.join(id);
            if dir.exists() {
                if let Err(e) = std::fs::remove_dir_all(&dir) {
                    tracing::warn!(job = %id, error = %e, "could not remove a job folder");
                }
            }
        }
    }
}

/// Why a job was not accepted.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// `max_jobs` jobs are queued or running.
    Full { max_jobs: usize },
    /// The service is shutting down.
    Closed,
}

/// Why a job could not be cancelled.
#[derive(Debug)]
pub(crate) enum CancelError {
    /// No such job visible to the caller.
    NotFound,
    /// It has already ended.
    Finished(JobStatus),
}

/// The job queue and the jobs it knows.
pub(crate) struct Jobs {
    shared: Arc<Shared>,
    max_jobs: usize,
    workers: usize,
    started: Once,
}

impl Jobs {
    /// An empty queue for `config.max_jobs` jobs, run by
    /// `config.job_workers` threads (at least one; started with the first
    /// job); `gauge` follows the number of jobs queued or running.
    pub(crate) fn new(config: &Config, gauge: Gauge) -> Self {
        Jobs {
            shared: Arc::new(Shared {
                table: Mutex::new(Table::default()),
                wake: Condvar::new(),
                gauge,
                work_dir: config.work_dir.clone(),
            }),
            max_jobs: config.max_jobs,
            workers: config.job_workers.max(1),
            started: Once::new(),
        }
    }

    fn start_workers(&self) {
        self.started.call_once(|| {
            for i in 0..self.workers {
                let shared = Arc::clone(&self.shared);
                let spawned = std::thread::Builder::new()
                    .name(format!("homeward-job-{i}"))
                    .spawn(move || worker(&shared));
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "could not start a job worker");
                }
            }
        });
    }

    /// Queues a job; its body (status `queued`).
    pub(super) fn submit(
        &self,
        kind: JobKind,
        owner: &str,
        description: String,
        work: Work,
    ) -> Result<JobBody, Refusal> {
        self.start_workers();
        let mut t = self.shared.lock();
        if t.closed {
            return Err(Refusal::Closed);
        }
        if t.active() >= self.max_jobs {
            return Err(Refusal::Full {
                max_jobs: self.max_jobs,
            });
        }
        let id = loop {
            let id = format!("{}_{:016x}", kind.prefix(), rand::random::<u64>());
            if !t.jobs.contains_key(&id) {
                break id;
            }
        };
        t.seq += 1;
        let job = Job {
            id: id.clone(),
            kind,
            seq: t.seq,
            owner: owner.to_owned(),
            description,
            status: JobStatus::Queued,
            created: Utc::now(),
            started: None,
            finished: None,
            progress: Arc::default(),
            cancel: Arc::default(),
            error: None,
            result: None,
            check: None,
            files: Vec::new(),
            work: Some(work),
            on_worker: false,
        };
        let body = job.body(false);
        t.jobs.insert(id.clone(), job);
        t.queue.push_back(id);
        self.shared.update_gauge(&t);
        drop(t);
        self.shared.wake.notify_one();
        Ok(body)
    }

    /// The job with its result, if `viewer` (`None`: admin) may see it.
    pub(super) fn get(&self, kind: JobKind, id: &str, viewer: Option<&str>) -> Option<JobBody> {
        let t = self.shared.lock();
        t.jobs
            .get(id)
            .filter(|j| j.visible(kind, viewer))
            .map(|j| j.body(true))
    }

    /// The jobs of `kind` that `viewer` may see, newest first, without
    /// results.
    pub(super) fn list(&self, kind: JobKind, viewer: Option<&str>) -> Vec<JobBody> {
        let t = self.shared.lock();
        let mut jobs: Vec<&Job> = t
            .jobs
            .values()
            .filter(|j| j.visible(kind, viewer))
            .collect();
        jobs.sort_unstable_by_key(|j| std::cmp::Reverse(j.seq));
        jobs.into_iter().map(|j| j.body(false)).collect()
    }

    /// Cancels a queued or running job.
    pub(super) fn cancel(
        &self,
        kind: JobKind,
        id: &str,
        viewer: Option<&str>,
    ) -> Result<JobBody, CancelError> {
        let mut t = self.shared.lock();
        let job = t
            .jobs
            .get_mut(id)
            .filter(|j| j.visible(kind, viewer))
            .ok_or(CancelError::NotFound)?;
        if job.status.is_final() {
            return Err(CancelError::Finished(job.status));
        }
        let was_queued = job.status == JobStatus::Queued;
        job.mark_cancelled();
        let body = job.body(false);
        if was_queued {
            t.queue.retain(|q| q != id);
        }
        self.shared.update_gauge(&t);
        let dropped = t.evict();
        drop(t);
        self.shared.remove_dirs(&dropped);
        Ok(body)
    }

    /// The path of file `name` of simulation `id`, if listed in its result.
    pub(super) fn file(&self, id: &str, name: &str, viewer: Option<&str>) -> Option<PathBuf> {
        let t = self.shared.lock();
        let job = t
            .jobs
            .get(id)
            .filter(|j| j.visible(JobKind::Simulation, viewer))?;
        job.files
            .iter()
            .any(|f| f == name)
            .then(|| self.shared.work_dir.join(id).join(name))
    }

    /// Asks every queued and running job to stop and refuses new ones
    /// (shutdown): queued jobs end `cancelled` without running, running
    /// ones within moments.
    pub(crate) fn cancel_all(&self) {
        let mut t = self.shared.lock();
        t.closed = true;
        t.queue.clear();
        for job in t.jobs.values_mut() {
            if !job.status.is_final() {
                job.mark_cancelled();
            }
        }
        self.shared.update_gauge(&t);
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        self.cancel_all();
        self.shared.lock().shutdown = true;
        self.shared.wake.notify_all();
    }
}

/// A worker thread: runs queued jobs one at a time until shutdown.
fn worker(shared: &Shared) {
    loop {
        let (id, work, ctx) = {
            let mut t = shared.lock();
            let id = loop {
                if t.shutdown {
                    return;
                }
                if let Some(id) = t.queue.pop_front() {
                    break id;
                }
                t = shared.wake.wait(t).unwrap_or_else(PoisonError::into_inner);
            };
            let Some(job) = t.jobs.get_mut(&id) else {
                continue;
            };
            let Some(work) = job.work.take() else {
                continue;
            };
            job.status = JobStatus::Running;
            job.started = Some(Utc::now());
            job.on_worker = true;
            let ctx = RunCtx {
                cancel: Arc::clone(&job.cancel),
                progress: Arc::clone(&job.progress),
                dir: shared.work_dir.join(&id),
            };
            t.running += 1;
            (id, work, ctx)
        };
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&ctx)));
        let cancelled = ctx.cancel.load(Ordering::Relaxed);
        let mut t = shared.lock();
        t.running -= 1;
        let mut remove = Vec::new();
        if let Some(job) = t.jobs.get_mut(&id) {
            job.on_worker = false;
            job.finished = Some(Utc::now());
            match out {
                _ if cancelled => job.status = JobStatus::Cancelled,
                Ok(Ok(o)) => {
                    job.status = JobStatus::Succeeded;
                    job.result = Some(SharedJson(Arc::new(o.result)));
                    job.check = o.check;
                    job.files = o.files;
                }
                Ok(Err(e)) => {
                    job.status = JobStatus::Failed;
                    job.error = Some(e);
                }
                Err(_) => {
                    tracing::error!(job = %id, "job panicked");
                    job.status = JobStatus::Failed;
                    job.error =
                        Some("internal error: the job stopped unexpectedly; retry it".into());
                }
            }
            if job.status != JobStatus::Succeeded {
                remove.push(id.clone());
            }
        }
        remove.extend(t.evict());
        shared.update_gauge(&t);
        drop(t);
        shared.remove_dirs(&remove);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn jobs(max_jobs: usize, dir: &std::path::Path) -> (Jobs, Gauge) {
        let gauge = Gauge::default();
        let config = Config {
            max_jobs,
            job_workers: 1,
            work_dir: dir.to_path_buf(),
            ..Config::default()
        };
        (Jobs::new(&config, gauge.clone()), gauge)
    }

    /// A job that writes a file into its folder and lists it.
    fn quick() -> Work {
        Box::new(|ctx: &RunCtx| {
            std::fs::create_dir_all(&ctx.dir).map_err(|e| e.to_string())?;
            std::fs::write(ctx.dir.join("f.txt"), "x").map_err(|e| e.to_string())?;
            Ok(Outcome {
                result: serde_json::json!({}),
                check: None,
                files: vec!["f.txt".into()],
            })
        })
    }

    /// A job that runs until cancelled.
    fn until_cancelled() -> Work {
        Box::new(|ctx: &RunCtx| {
            while !ctx.cancel.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err("cancelled".into())
        })
    }

    fn wait_until(what: &str, f: impl Fn() -> bool) {
        let t = Instant::now();
        while !f() {
            assert!(t.elapsed() < Duration::from_secs(20), "{what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn keeps_only_the_newest_finished_jobs_and_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let (jobs, gauge) = jobs(1, dir.path());
        let mut ids = Vec::new();
        for _ in 0..KEEP_FINISHED + 6 {
            // One slot: each job must finish before the next is accepted.
            let body = loop {
                match jobs.submit(JobKind::Simulation, "k", "q".into(), quick()) {
                    Ok(b) => break b,
                    Err(Refusal::Full { .. }) => std::thread::sleep(Duration::from_millis(1)),
                    Err(Refusal::Closed) => panic!("closed"),
                }
            };
            ids.push(body.id);
        }
        let last = ids.last().unwrap().clone();
        wait_until("last job finishes", || {
            jobs.get(JobKind::Simulation, &last, None)
                .is_some_and(|j| j.status == JobStatus::Succeeded)
        });
        assert_eq!(jobs.list(JobKind::Simulation, None).len(), KEEP_FINISHED);
        for (i, id) in ids.iter().enumerate() {
            let kept = i >= 6;
            assert_eq!(
                jobs.get(JobKind::Simulation, id, None).is_some(),
                kept,
                "{i}"
            );
            assert_eq!(dir.path().join(id).exists(), kept, "{i}");
        }
        assert!(jobs.file(&last, "f.txt", Some("k")).is_some());
        assert!(jobs.file(&last, "f.txt", Some("other")).is_none());
        assert!(jobs.file(&last, "g.txt", None).is_none());
        assert_eq!(gauge.get(), 0);
    }

    #[test]
    fn cancel_all_stops_running_and_queued_jobs_and_refuses_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (jobs, gauge) = jobs(3, dir.path());
        let running = jobs
            .submit(JobKind::Plan, "k", "r".into(), until_cancelled())
            .unwrap()
            .id;
        wait_until("first job starts", || {
            jobs.get(JobKind::Plan, &running, None)
                .is_some_and(|j| j.status == JobStatus::Running)
        });
        let queued = jobs
            .submit(JobKind::Plan, "k", "q".into(), quick())
            .unwrap()
            .id;
        assert_eq!(gauge.get(), 2);
        jobs.cancel_all();
        assert!(matches!(
            jobs.submit(JobKind::Plan, "k", "n".into(), quick()),
            Err(Refusal::Closed)
        ));
        let q = jobs.get(JobKind::Plan, &queued, None).unwrap();
        assert_eq!(q.status, JobStatus::Cancelled);
        assert!(q.started_at.is_none() && q.finished_at.is_some());
        wait_until("running job stops", || {
            jobs.get(JobKind::Plan, &running, None)
                .is_some_and(|j| j.finished_at.is_some())
        });
        let r = jobs.get(JobKind::Plan, &running, None).unwrap();
        assert_eq!(r.status, JobStatus::Cancelled);
        assert!(r.error.is_none());
        assert_eq!(gauge.get(), 0);
        assert!(matches!(
            jobs.cancel(JobKind::Plan, &running, None),
            Err(CancelError::Finished(JobStatus::Cancelled))
        ));
    }
}
