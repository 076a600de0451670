//! S3-009 (opt-in): a state file holds secrets in plain text.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Opt-in (`s3.scan_state_secrets = true`, off by default): the auditor reads state
    /// objects (`s3:GetObject`, at most `s3.scan_max_objects` per bucket and
    /// `s3.scan_max_object_bytes` each) and looks for secret values: attributes named like
    /// secrets (`password`, `secret`, `token`, `private_key`, `api_key`, ...), attributes
    /// and outputs Terraform marks sensitive, and PEM private keys anywhere. A bucket fails
    /// with one evidence line per hit, naming the state key and the attribute path. The
    /// value is never read out of the scanner: not into the report, the logs, nor the
    /// stored inventory. Objects the scan had to skip (too large, over the count, not
    /// readable) are listed; a bucket whose objects were all skipped is not assessed.
    ///
    /// ## Why it matters
    /// The Terraform state threat model: "Sensitive information can show up in the state" (RDS passwords is its
    /// example), and "developers may store sensitive information in the Terraform states
    /// by accident". Marking an attribute `sensitive` hides it in plans, not in state.
    /// Whoever can read the state file (see S3-008) holds these secrets.
    ///
    /// ## Remediation
    /// Keep secrets out of state: let AWS manage them (`manage_master_user_password = true`
    /// for RDS), use write-only arguments (`password_wo`, Terraform 1.11+) or ephemeral
    /// resources, read them at runtime from Secrets Manager or SSM instead of through
    /// `data` sources, and rotate every secret the finding names, since it has been
    /// readable by all who could read the state.
    ///
    /// ## References
    /// - https://developer.hashicorp.com/terraform/language/state/sensitive-data
    /// - https://developer.hashicorp.com/terraform/language/resources/ephemeral
    pub(crate) struct StateSecrets {
        code: "S3-009",
        name: "s3-state-holds-secrets",
        title: "Terraform state file holds secret values in plain text",
        service: S3,
        severity: High,
        wa: ["SEC02-BP03"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:ListBucket", "s3:GetObject",
        ],
    }
}

impl Check for StateSecrets {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(buckets) = super::buckets(ctx, out) else {
            return;
        };
        for b in buckets {
            let res = super::bucket_resource(ctx, b);
            if let Err(gap) = b.state.get() {
                out.not_assessed(res, gap);
                continue;
            }
            let Some(scan) = &b.secret_scan else {
                out.not_assessed_because(
                    res,
                    "the state objects were not scanned (s3.scan_state_secrets is off)",
                );
                continue;
            };
            let skipped: Vec<_> = scan
                .skipped
                .iter()
                .map(|s| {
                    ev(
                        format!("s3://{}/{}", b.name, s.key),
                        "not scanned",
                        s.reason.clone(),
                    )
                })
                .collect();
            if !scan.hits.is_empty() {
                let mut evidence: Vec<_> = scan
                    .hits
                    .iter()
                    .map(|h| {
                        ev(
                            format!("s3://{}/{}", b.name, h.key),
                            format!("{} at {}", h.kind, h.path),
                            if h.marked_sensitive {
                                "marked sensitive, yet stored in plain text in the state"
                            } else {
                                "stored in plain text in the state"
                            },
                        )
                    })
                    .collect();
                evidence.extend(skipped);
                out.fail(res, evidence);
            } else if scan.scanned.is_empty() && !scan.skipped.is_empty() {
                out.not_assessed_because(
                    res,
                    format!(
                        "no state object could be scanned: {}",
                        scan.skipped
                            .iter()
                            .map(|s| format!("{}: {}", s.key, s.reason))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                );
            } else {
                let mut evidence = vec![ev(
                    "state objects",
                    format!("{} scanned, no secret found", scan.scanned.len()),
                    "no secret-named, sensitive or private-key value in the state",
                )];
                evidence.extend(skipped);
                out.pass(res, evidence);
            }
        }
    }
}
