//! Officers' decisions: an override needs a reason, an override of a hard
//! rule is flagged, and the child and carer must exist.

use super::{Decision, DecisionKind, NewDecision, RecordKind, Store, StoreError, invalid, now};

impl Store {
    /// Records a decision. An override needs a reason; an override of a
    /// hard rule is flagged. The child and carer must exist.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Invalid`], [`StoreError::Backend`].
    pub fn record_decision(&self, d: &NewDecision) -> Result<Decision, StoreError> {
        let reason = d
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let flagged = d.decision == DecisionKind::Overridden && d.overrides_hard_rule;
        if d.decision == DecisionKind::Overridden && reason.is_none() {
            return Err(invalid(
                "reason",
                Some(&d.child_id),
                if flagged {
                    "overriding a hard rule needs a reason"
                } else {
                    "an override needs a reason"
                },
                "give the reason for the override",
            ));
        }
        for (kind, id) in [
            (RecordKind::Child, &d.child_id),
            (RecordKind::Carer, &d.carer_id),
        ] {
            if self.get(kind, id)?.is_none() {
                return Err(StoreError::NotFound {
                    kind,
                    id: id.clone(),
                });
            }
        }
        let mut out = Decision {
            id: 0,
            child_id: d.child_id.clone(),
            carer_id: d.carer_id.clone(),
            decision: d.decision,
            reason,
            actor: d.actor.clone(),
            flagged,
            created_at: now(),
        };
        out.id = self.inner.backend.insert_decision(&out)?;
        Ok(out)
    }

    /// Decisions, oldest first; only for `child_id` when given.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    pub fn list_decisions(&self, child_id: Option<&str>) -> Result<Vec<Decision>, StoreError> {
        self.inner
            .backend
            .decisions(child_id)?
            .into_iter()
            .map(|r| {
                Ok(Decision {
                    decision: DecisionKind::parse(&r.decision).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown decision {:?}", r.decision))
                    })?,
                    id: r.id,
                    child_id: r.child_id,
                    carer_id: r.carer_id,
                    reason: r.reason,
                    actor: r.actor,
                    flagged: r.flagged != 0,
                    created_at: r.created_at,
                })
            })
            .collect()
    }

    /// Declined pairs `(child_id, carer_id)`, sorted, without repeats.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn declines(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.inner.backend.declines()
    }
}
