//! The [`Emitter`]: how a check reports, so that every finding is built the same way.

use crate::CheckMeta;
use auditor_model::{fingerprint, Evidence, Finding, Gap, Resource, Severity, Status, WaId};

/// Collects one check's findings; fills in code, severity, WA ids, remediation, fingerprint.
#[derive(Debug)]
pub struct Emitter<'a> {
    meta: &'static CheckMeta,
    severity: Severity,
    wa: std::sync::Arc<[WaId]>,
    remediation: String,
    findings: &'a mut Vec<Finding>,
    /// Texts already emitted (evidence, and a resource's account, kind and region): a large
    /// account's findings share a few hundred texts among tens of thousands of items, each
    /// kept once.
    texts: Interner,
}

/// One shared copy of each text: tens of thousands of findings (and state-access grants)
/// repeat a few hundred texts, each kept once.
#[derive(Debug, Default)]
pub(crate) struct Interner(std::collections::HashSet<std::sync::Arc<str>>);

impl Interner {
    /// The copy of `text` already kept, or `text` (then kept for the next).
    pub(crate) fn shared(&mut self, text: &std::sync::Arc<str>) -> std::sync::Arc<str> {
        match self.0.get(text) {
            Some(t) => t.clone(),
            None => {
                self.0.insert(text.clone());
                text.clone()
            }
        }
    }

    /// [`Interner::shared`] for a text just made.
    pub(crate) fn string(&mut self, text: String) -> std::sync::Arc<str> {
        match self.0.get(text.as_str()) {
            Some(t) => t.clone(),
            None => {
                let t: std::sync::Arc<str> = text.into();
                self.0.insert(t.clone());
                t
            }
        }
    }
}

impl<'a> Emitter<'a> {
    /// An emitter for `meta` whose failures carry `severity` (the default or a user's remap).
    pub fn new(
        meta: &'static CheckMeta,
        severity: Severity,
        findings: &'a mut Vec<Finding>,
    ) -> Self {
        Emitter {
            meta,
            severity,
            // Validated by the registry tests: every WA id of every check parses and is in
            // the catalog.
            wa: meta.wa.iter().filter_map(|w| w.parse().ok()).collect(),
            remediation: meta.remediation(),
            findings,
            texts: Interner::default(),
        }
    }

    fn push(
        &mut self,
        status: Status,
        severity: Severity,
        mut resource: Resource,
        mut evidence: Vec<Evidence>,
        status_reason: Option<String>,
    ) {
        let fp = fingerprint(self.meta.code, status, &resource.arn, &evidence);
        // How to fix a failure: a pass or an unassessed finding has nothing to fix (the
        // check's text is in its metadata, and in every report's list of checks).
        let remediation = if status == Status::Fail {
            crate::fill_remediation(&self.remediation, &resource)
        } else {
            String::new()
        };
        resource.account = self.shared(&resource.account);
        resource.kind = self.shared(&resource.kind);
        if let Some(r) = &resource.region {
            resource.region = Some(self.shared(r));
        }
        for e in &mut evidence {
            e.field = self.shared(&e.field);
            e.observed = self.shared(&e.observed);
            e.reason = self.shared(&e.reason);
        }
        self.findings.push(Finding {
            // The check's own text, not a copy per finding.
            code: self.meta.code.into(),
            name: self.meta.name.into(),
            title: self.meta.title.into(),
            severity,
            status,
            status_reason,
            resource,
            evidence,
            wa_ids: self.wa.clone(),
            remediation,
            fingerprint: fp,
            suppression: None,
        });
    }

    /// The copy of `text` already emitted, or `text` (then kept for the next).
    fn shared(&mut self, text: &std::sync::Arc<str>) -> std::sync::Arc<str> {
        self.texts.shared(text)
    }

    /// The resource breaks the practice.
    pub fn fail(&mut self, resource: Resource, evidence: Vec<Evidence>) {
        self.push(Status::Fail, self.severity, resource, evidence, None);
    }

    /// The resource breaks the practice, less badly than the check's default severity says
    /// (e.g. exposed, but only to a listed CIDR). Never raises above the configured severity.
    pub fn fail_at_most(
        &mut self,
        severity: Severity,
        resource: Resource,
        evidence: Vec<Evidence>,
    ) {
        let s = severity.min(self.severity);
        self.push(Status::Fail, s, resource, evidence, None);
    }

    /// The resource meets the practice.
    pub fn pass(&mut self, resource: Resource, evidence: Vec<Evidence>) {
        self.push(Status::Pass, self.severity, resource, evidence, None);
    }

    /// Whether a finding from index `first` on is about `arn`.
    pub(crate) fn reported_on(&self, first: usize, arn: &str) -> bool {
        self.findings
            .get(first..)
            .is_some_and(|f| f.iter().any(|f| f.resource.arn == arn))
    }

    /// The data needed was not read.
    pub fn not_assessed(&mut self, resource: Resource, gap: &Gap) {
        self.push(
            Status::NotAssessed,
            self.severity,
            resource,
            Vec::new(),
            Some(gap.to_string()),
        );
    }

    /// The data needed is there but unusable (e.g. a field AWS always sends is missing).
    pub fn not_assessed_because(&mut self, resource: Resource, reason: impl Into<String>) {
        self.push(
            Status::NotAssessed,
            self.severity,
            resource,
            Vec::new(),
            Some(reason.into()),
        );
    }
}

/// Shorthand for an [`Evidence`].
/// What the policy engine does not evaluate, for findings that report access: an
/// organisation's resource control policies (and, for principals of the account, service
/// control, session and VPC endpoint policies) can still refuse the request shown.
pub(crate) fn unevaluated(insiders: bool) -> Evidence {
    if insiders {
        ev(
            "evaluation scope",
            "service and resource control policies, session policies and VPC endpoint policies are not evaluated",
            "they can only narrow the access shown",
        )
    } else {
        ev(
            "evaluation scope",
            "the organisation's resource control policies are not evaluated",
            "an RCP can only narrow the access shown",
        )
    }
}

pub(crate) fn ev(
    field: impl Into<String>,
    observed: impl Into<String>,
    reason: impl Into<String>,
) -> Evidence {
    Evidence {
        field: field.into().into(),
        observed: observed.into().into(),
        reason: reason.into().into(),
    }
}
