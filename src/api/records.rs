//! Records over `/v1/{type}`: children, carers, institutions, places,
//! roads and sibling links — list (cursor pages), read, create, update and delete
//! with optimistic concurrency (`ETag` / `If-Match`), and bulk import of a
//! whole data set (`POST /v1/import`, JSON document or CSV files,
//! validated all-or-nothing).
//!
//! Access: every role reads; officers only children, carers and sibling
//! links of their regions (others are 404); planners get children and
//! carers without health (`needs`) and heritage (ethnicity, religion)
//! fields; only admins write. Every read or change of a child or sibling
//! link is audited.

use super::auth::{Allowed, Caller, Import, WriteRecords};
use super::{ApiJson, ApiPath, AppState, Problem, QueryMap, Refusal, blocking};
use crate::store::{ApiKey, AuditEvent, ImportMode, ListQuery, Record, RecordKind, Role};
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Default and largest page size of a list.
const PAGE: usize = 50;
const MAX_PAGE: usize = 500;

/// The routes of this module; the import accepts bodies up to
/// 8 × `body_limit`.
pub(super) fn routes(body_limit: usize) -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, update, delete))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import))
                .layer(DefaultBodyLimit::max(body_limit.saturating_mul(8))),
        )
}

/// Whether `key` may see a record in `region` (keys without regions see all).
pub(crate) fn in_regions(key: &ApiKey, region: Option<&str>) -> bool {
    key.regions.is_empty() || region.is_some_and(|g| key.regions.iter().any(|r| r == g))
}

/// A record type in a path.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)] // documents the path; handlers parse it with `kind_of`
enum RecordType {
    Children,
    Carers,
    Institutions,
    Places,
    Roads,
    SiblingLinks,
}

fn kind_of(segment: &str) -> Result<RecordKind, Problem> {
    Ok(match segment {
        "children" => RecordKind::Child,
        "carers" => RecordKind::Carer,
        "institutions" => RecordKind::Institution,
        "places" => RecordKind::Place,
        "roads" => RecordKind::Road,
        "sibling-links" => RecordKind::SiblingLink,
        _ => return Err(Problem::not_found("no such resource")),
    })
}

fn segment_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Child => "children",
        RecordKind::Carer => "carers",
        RecordKind::Institution => "institutions",
        RecordKind::Place => "places",
        RecordKind::Road => "roads",
        RecordKind::SiblingLink => "sibling-links",
    }
}

/// Fields only officers and admins see.
fn sensitive(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Child => &["needs", "heritage"],
        RecordKind::Carer => &["heritage"],
        _ => &[],
    }
}

/// Kinds an officer sees only in their regions.
fn regional(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::Child | RecordKind::Carer | RecordKind::SiblingLink
    )
}

/// The child a record is about (children and sibling links), for audit.
fn child_of(r: &Record) -> Option<String> {
    match r.kind {
        RecordKind::Child => Some(r.id.clone()),
        RecordKind::SiblingLink => r
            .fields
            .get("child_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

/// One record as served.
#[derive(Serialize, ToSchema)]
pub(crate) struct RecordBody {
    /// Record kind: `child`, `carer`, `institution`, `place`, `road`,
    /// `sibling_link`.
    kind: String,
    /// Id (sibling links: `<child_id>~<sibling_id>`; roads:
    /// `<from_place_id>~<to_place_id>`).
    id: String,
    /// Version, also the `ETag`; send it as `If-Match` to update or delete.
    version: i64,
    /// Region of the record's place.
    region: Option<String>,
    /// Fields withheld from this key's role (sensitive data).
    redacted: Vec<String>,
    /// The record's fields, as in the JSON data-set document.
    #[schema(value_type = Object)]
    data: Map<String, Value>,
}

fn body_of(key: &ApiKey, r: Record) -> RecordBody {
    let mut data = r.fields;
    let mut redacted = Vec::new();
    if key.role == Role::Planner {
        for f in sensitive(r.kind) {
            if data.remove(*f).is_some() {
                redacted.push((*f).to_owned());
            }
        }
    }
    RecordBody {
        kind: r.kind.as_str().to_owned(),
        id: r.id,
        version: r.version,
        region: r.region,
        redacted,
        data,
    }
}

/// A page of records.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct PageBody {
    /// Records ordered by id.
    items: Vec<RecordBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// Query of a list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query; the handler reads it as a map
struct PageQuery {
    /// Records per page (1–500, default 50).
    limit: Option<u32>,
    /// `nextCursor` of the previous page.
    cursor: Option<String>,
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if s.len() % 2 != 0 || s.len() > 512 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// A response with an `ETag` of `version`.
fn with_etag(status: StatusCode, version: i64, body: &impl Serialize) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// The record type of a path (`/v1/{type}`; 400 when malformed, 404 for
/// an unknown type), checked before the caller's key.
struct TypePath {
    kind: RecordKind,
    seg: String,
}

impl<S: Send + Sync> FromRequestParts<S> for TypePath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let ApiPath(seg) = ApiPath::<String>::from_request_parts(parts, state).await?;
        Ok(TypePath {
            kind: kind_of(&seg)?,
            seg,
        })
    }
}

/// The record of a path (`/v1/{type}/{id}`; 400 when malformed, 404 for
/// an unknown type), checked before the caller's key.
struct RecordPath {
    kind: RecordKind,
    seg: String,
    id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for RecordPath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let ApiPath((seg, id)) =
            ApiPath::<(String, String)>::from_request_parts(parts, state).await?;
        Ok(RecordPath {
            kind: kind_of(&seg)?,
            seg,
            id,
        })
    }
}

/// A list request: record type, page size and cursor, validated in that
/// order (400, 404, 422) before the caller's key.
struct ListParams {
    kind: RecordKind,
    seg: String,
    limit: usize,
    after: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let ApiPath(seg) = ApiPath::<String>::from_request_parts(parts, state).await?;
        let q = QueryMap::of(parts)?;
        let kind = kind_of(&seg)?;
        let limit = q.count("limit", PAGE, MAX_PAGE)?;
        let after = match q.get("cursor") {
            None => None,
            Some(c) => Some(unhex(c).ok_or_else(|| {
                Problem::invalid(format!(
                    "query `cursor` = {c:?} is not a cursor this service gave out"
                ))
            })?),
        };
        Ok(ListParams {
            kind,
            seg,
            limit,
            after,
        })
    }
}

/// The import's `mode` query (400 when malformed, 422 for an unknown
/// mode), checked before the caller's key.
struct ModeParam(ImportMode);

impl<S: Send + Sync> FromRequestParts<S> for ModeParam {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        match QueryMap::of(parts)?.get("mode") {
            None | Some("upsert") => Ok(ModeParam(ImportMode::Upsert)),
            Some("replace") => Ok(ModeParam(ImportMode::Replace)),
            Some(m) => Err(Problem::invalid(format!(
                "query `mode` = {m:?}: use upsert or replace"
            ))),
        }
    }
}

/// `If-Match`: `Some(v)` for `"v"`, `None` for `*`; 428 when missing, 412
/// when it names no version. Checked after the caller's key.
struct IfMatch(Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        if_match(&parts.headers).map(IfMatch)
    }
}

fn if_match(headers: &axum::http::HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Err(Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "Precondition required",
            "send `If-Match` with the record's ETag (from a GET) so that a concurrent change is not overwritten",
        ));
    };
    let v = v.to_str().unwrap_or("").trim();
    if v == "*" {
        return Ok(None);
    }
    let tag = v.strip_prefix("W/").unwrap_or(v);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "Precondition failed",
                format!(
                    "`If-Match: {v}` matches no version of this record (ETags look like \"3\")"
                ),
            )
        })
}

/// A page of records ordered by id. Officers see only children, carers and
/// sibling links of their regions; planners see children and carers
/// without sensitive fields.
#[utoipa::path(
    get,
    path = "/v1/{type}",
    tag = "records",
    params(("type" = inline(RecordType), Path, description = "Record type"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of records", body = PageBody),
        (status = 404, description = "No such record type", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "`limit` or `cursor` invalid", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn list(
    State(st): State<Arc<AppState>>,
    ListParams {
        kind,
        seg,
        limit,
        after,
    }: ListParams,
    caller: Caller,
) -> Result<Response, Problem> {
    blocking(move || {
        let key = &caller.key;
        let regions = (key.role == Role::Officer && regional(kind) && !key.regions.is_empty())
            .then(|| key.regions.clone());
        let mut rows = st
            .store
            .list(
                kind,
                &ListQuery {
                    regions,
                    after,
                    limit: limit + 1,
                },
            )
            .map_err(Problem::internal)?;
        let next_cursor = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            rows.last().map(|r| hex(&r.id)).unwrap_or_default()
        });
        let action = format!("GET /v1/{seg}");
        let events: Vec<AuditEvent> = rows
            .iter()
            .filter_map(child_of)
            .map(|c| caller.audit_event(&action, Some(c), "200"))
            .collect();
        st.store
            .append_audit_many(&events)
            .map_err(Problem::internal)?;
        let items = rows.into_iter().map(|r| body_of(key, r)).collect();
        Ok(axum::Json(PageBody { items, next_cursor }).into_response())
    })
    .await
}

/// Reads one record and its version (`ETag`).
#[utoipa::path(
    get,
    path = "/v1/{type}/{id}",
    tag = "records",
    params(
        ("type" = inline(RecordType), Path, description = "Record type"),
        ("id" = String, Path, description = "Record id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record", body = RecordBody,
         headers(("ETag" = String, description = "The record's version, for If-Match"))),
        (status = 404, description = "No such record (or outside the key's regions)", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn read(
    State(st): State<Arc<AppState>>,
    RecordPath { kind, seg, id }: RecordPath,
    caller: Caller,
) -> Result<Response, Problem> {
    blocking(move || {
        let key = &caller.key;
        let action = format!("GET /v1/{seg}/{{id}}");
        let record = st.store.get(kind, &id).map_err(Problem::internal)?;
        let visible = |r: &Record| {
            key.role != Role::Officer || !regional(kind) || in_regions(key, r.region.as_deref())
        };
        let refusal = match &record {
            Some(r) if visible(r) => None,
            Some(_) => Some(Refusal::OutOfScope),
            None => Some(Refusal::NotFound),
        };
        let (Some(record), None) = (record, refusal) else {
            if kind == RecordKind::Child {
                let outcome = refusal.unwrap_or(Refusal::NotFound).outcome();
                caller.audit(&st.store, &action, Some(&id), outcome)?;
            }
            return Err(Problem::not_found(format!("no {kind} with id {id:?}")));
        };
        if let Some(child) = child_of(&record) {
            caller.audit(&st.store, &action, Some(&child), "200")?;
        }
        let version = record.version;
        Ok(with_etag(StatusCode::OK, version, &body_of(key, record)))
    })
    .await
}

/// Creates a record (admin). The whole resulting data set is validated:
/// every problem is reported and nothing is written unless all is valid.
#[utoipa::path(
    post,
    path = "/v1/{type}",
    tag = "records",
    params(("type" = inline(RecordType), Path, description = "Record type")),
    request_body(content = Object, description = "The record's fields, as in the JSON data-set document"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = RecordBody,
         headers(("ETag" = String, description = "Version 1"), ("Location" = String, description = "The record's URL"))),
        (status = 403, description = "Only admins write records", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such record type", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "A record with this id exists", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn create(
    State(st): State<Arc<AppState>>,
    TypePath { kind, seg }: TypePath,
    admin: Allowed<WriteRecords>,
    ApiJson(fields): ApiJson<Map<String, Value>>,
) -> Result<Response, Problem> {
    blocking(move || {
        let record = st.store.create(kind, fields).map_err(Problem::from_store)?;
        if let Some(child) = child_of(&record) {
            admin.audit(&st.store, &format!("POST /v1/{seg}"), Some(&child), "201")?;
        }
        let location = format!("/v1/{}/{}", segment_of(kind), record.id);
        let mut res = with_etag(
            StatusCode::CREATED,
            record.version,
            &body_of(&admin.key, record),
        );
        if let Ok(v) = HeaderValue::from_str(&location) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        Ok(res)
    })
    .await
}

/// Replaces a record's fields (admin) if it is still at the version named
/// by `If-Match` (428 without it, 412 when it changed meanwhile).
#[utoipa::path(
    put,
    path = "/v1/{type}/{id}",
    tag = "records",
    params(
        ("type" = inline(RecordType), Path, description = "Record type"),
        ("id" = String, Path, description = "Record id"),
        ("If-Match" = String, Header, description = "The ETag read with the record, or `*`"),
    ),
    request_body(content = Object, description = "The record's new fields"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = RecordBody,
         headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only admins write records", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such record", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "The record changed since that version", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "`If-Match` is missing", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn update(
    State(st): State<Arc<AppState>>,
    RecordPath { kind, seg, id }: RecordPath,
    admin: Allowed<WriteRecords>,
    IfMatch(version): IfMatch,
    ApiJson(fields): ApiJson<Map<String, Value>>,
) -> Result<Response, Problem> {
    blocking(move || {
        let record = st
            .store
            .update(kind, &id, version, fields)
            .map_err(Problem::from_store)?;
        if let Some(child) = child_of(&record) {
            admin.audit(
                &st.store,
                &format!("PUT /v1/{seg}/{{id}}"),
                Some(&child),
                "200",
            )?;
        }
        Ok(with_etag(
            StatusCode::OK,
            record.version,
            &body_of(&admin.key, record),
        ))
    })
    .await
}

/// Deletes a record (admin) if it is still at the version named by
/// `If-Match`; 409 while other records refer to it.
#[utoipa::path(
    delete,
    path = "/v1/{type}/{id}",
    tag = "records",
    params(
        ("type" = inline(RecordType), Path, description = "Record type"),
        ("id" = String, Path, description = "Record id"),
        ("If-Match" = String, Header, description = "The ETag read with the record, or `*`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Only admins write records", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such record", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Other records refer to it", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 412, description = "The record changed since that version", body = super::ProblemBody, content_type = "application/problem+json"),
        (status = 428, description = "`If-Match` is missing", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn delete(
    State(st): State<Arc<AppState>>,
    RecordPath { kind, seg, id }: RecordPath,
    admin: Allowed<WriteRecords>,
    IfMatch(version): IfMatch,
) -> Result<Response, Problem> {
    blocking(move || {
        let before = st.store.get(kind, &id).map_err(Problem::internal)?;
        st.store
            .delete(kind, &id, version)
            .map_err(Problem::from_store)?;
        if let Some(child) = before.as_ref().and_then(child_of) {
            admin.audit(
                &st.store,
                &format!("DELETE /v1/{seg}/{{id}}"),
                Some(&child),
                "204",
            )?;
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

/// Query of the import.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query; the handler reads it as a map
struct ImportQuery {
    /// `upsert` (default: add new records, update changed ones, keep the
    /// rest) or `replace` (the store becomes exactly this data set).
    mode: Option<String>,
}

/// What an import did.
#[derive(Serialize, ToSchema)]
struct ImportBody {
    /// Records inserted.
    created: usize,
    /// Records changed.
    updated: usize,
    /// Records already equal.
    unchanged: usize,
    /// Records removed (replace mode).
    deleted: usize,
    /// Store revision after the import.
    revision: i64,
}

/// Bulk import (admin): a JSON data-set document (`{"places": [...],
/// "children": [...], …}`) or CSV files as `{"csv": {"places.csv": "…",
/// …}}`. Validated all-or-nothing with the loader's rules: every problem is
/// listed (record and field) and nothing is written unless all is valid.
#[utoipa::path(
    post,
    path = "/v1/import",
    tag = "records",
    params(ImportQuery),
    request_body(content = Object, description = "A JSON data-set document, or {\"csv\": {file name: CSV text}}"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Imported", body = ImportBody),
        (status = 403, description = "Only admins import", body = super::ProblemBody, content_type = "application/problem+json"),
    )
)]
async fn import(
    State(st): State<Arc<AppState>>,
    ModeParam(mode): ModeParam,
    admin: Allowed<Import>,
    ApiJson(doc): ApiJson<Map<String, Value>>,
) -> Result<Response, Problem> {
    blocking(move || {
        let parsed = match doc.get("csv") {
            Some(files) if doc.len() == 1 => {
                let files: BTreeMap<String, String> = serde_json::from_value(files.clone())
                    .map_err(|e| {
                        Problem::invalid(format!("`csv` must map file names to CSV text: {e}"))
                    })?;
                crate::dataset::dataset_from_csv_texts(&files)
            }
            _ => crate::dataset::dataset_from_json_value(&Value::Object(doc), "request body"),
        };
        let data = parsed
            .map_err(|errors| Problem::from_store(crate::store::StoreError::Invalid { errors }))?;
        let s = st.store.import(&data, mode).map_err(Problem::from_store)?;
        admin.audit(&st.store, "POST /v1/import", None, "200")?;
        Ok(axum::Json(ImportBody {
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            deleted: s.deleted,
            revision: s.revision,
        })
        .into_response())
    })
    .await
}
