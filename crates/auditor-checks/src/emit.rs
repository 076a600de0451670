//! The [`Emitter`]: how a check reports, so that every finding is built the same way.

use crate::CheckMeta;
use auditor_model::{fingerprint, Evidence, Finding, Gap, Resource, Severity, Status, WaId};

/// Collects one check's findings; fills in code, severity, WA ids, remediation, fingerprint.
#[derive(Debug)]
pub struct Emitter<'a> {
    meta: &'static CheckMeta,
    severity: Severity,
    wa: Vec<WaId>,
    remediation: String,
    findings: &'a mut Vec<Finding>,
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
        }
    }

    fn push(
        &mut self,
        status: Status,
        severity: Severity,
        resource: Resource,
        evidence: Vec<Evidence>,
        status_reason: Option<String>,
    ) {
        let fp = fingerprint(self.meta.code, status, &resource.arn, &evidence);
        let remediation = crate::fill_remediation(&self.remediation, &resource);
        self.findings.push(Finding {
            code: self.meta.code.to_owned(),
            name: self.meta.name.to_owned(),
            title: self.meta.title.to_owned(),
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
        field: field.into(),
        observed: observed.into(),
        reason: reason.into(),
    }
}
