//! One account's audit as the CLI runs it (`audit`, `audit --org`, the daemon): the
//! engine's request from the configuration, and the engine's refusals as exit codes and
//! one-line messages with a hint.

use crate::config::Config;
use crate::fail::{usage, Failure};
use auditor_aws::{AwsError, AwsOptions, ErrorKind};
use auditor_engine::{AccountAudit, AccountRequest, AuditError, RegionError};
use auditor_model::{AccountId, Service};

/// How to reach AWS, from the configuration.
pub(crate) fn aws_options(cfg: &Config) -> AwsOptions {
    AwsOptions {
        profile: cfg.profile.clone(),
        endpoint_url: cfg.endpoint_url.clone(),
        max_attempts: cfg.max_attempts,
        rate_limits: cfg.rate_limits.clone(),
        ..AwsOptions::default()
    }
}

/// The engine's request to audit `account`.
pub(crate) fn request(cfg: &Config, account: AccountId, services: Vec<Service>) -> AccountRequest {
    let own = cfg
        .accounts
        .get(account.as_str())
        .and_then(|a| a.external_id.clone());
    AccountRequest {
        account,
        aws: aws_options(cfg),
        role_name: cfg.role_name.clone(),
        assume: auditor_aws::AssumeOptions {
            // The account's own ExternalId, else the default (also for an organisation's
            // accounts: `[[accounts]]` overrides `aws.external_id`).
            external_id: own.or_else(|| cfg.external_id.clone()),
            session: cfg.session_duration,
        },
        regions: cfg.regions.clone(),
        services,
        concurrency: cfg.concurrency,
        s3: cfg.s3.clone(),
        settings: cfg.settings.clone(),
        deadline: cfg.deadline,
    }
}

/// Audits one account; a refusal is exit 3 (AWS) or 2 (bad input) with its reason.
pub(crate) async fn account(
    cfg: &Config,
    account: AccountId,
    services: Vec<Service>,
    started_at: time::OffsetDateTime,
) -> Result<AccountAudit, Failure> {
    let name = account.to_string();
    let req = request(cfg, account, services);
    let external_id = req.assume.external_id.clone();
    auditor_engine::audit_account(&req, started_at)
        .await
        .map_err(|e| match e {
            AuditError::Session(e) => match assume_refused(&e, external_id.as_deref()) {
                Some(f) => f,
                None => aws(&e, cfg.profile.as_deref()),
            },
            AuditError::Regions(e @ RegionError::Discovery(_)) => Failure {
                code: 3,
                message: e.to_string(),
            },
            AuditError::Regions(e) => usage(e.to_string()),
            AuditError::Deadline(d) => Failure {
                code: 3,
                message: format!(
                    "the audit of {name} did not finish within {} (audit.deadline); it was stopped and nothing of it is reported",
                    humanize(d)
                ),
            },
        })
}

/// `90s`, `45m`, `2h`: a deadline as configured.
fn humanize(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 3600 == 0 && s > 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// A refused AssumeRole (exit 3), saying which of the caller's own permission, the audit
/// role's trust, or the ExternalId is the likely cause. `None` for any other failure.
fn assume_refused(e: &AwsError, external_id: Option<&str>) -> Option<Failure> {
    let text = e.to_string();
    if e.kind() != Some(ErrorKind::AccessDenied) || !text.contains("sts:AssumeRole") {
        return None;
    }
    let hint = if text.contains("identity-based policy") {
        "the caller's own policies do not allow sts:AssumeRole on the audit role: grant it to the caller".to_owned()
    } else if external_id.is_some() {
        "the audit role's trust policy refused: it must trust the caller and require exactly the ExternalId given (--external-id, aws.external_id or [[accounts]])".to_owned()
    } else {
        "the audit role's trust policy refused: it must trust the caller; if it requires sts:ExternalId (config/iam/auditor-role-trust-policy.json does), give --external-id or aws.external_id".to_owned()
    };
    Some(Failure {
        code: 3,
        message: format!("{text} ({hint})"),
    })
}

/// An AWS refusal as a failure (exit 3), with what to check.
pub(crate) fn aws(e: &AwsError, profile: Option<&str>) -> Failure {
    let named;
    let hint = match e.kind() {
        Some(ErrorKind::Credentials) if profile.is_some() => {
            named = format!(
                " (profile '{}' gives no credentials: is it in ~/.aws/config or ~/.aws/credentials, and is its SSO session logged in?)",
                profile.unwrap_or_default()
            );
            named.as_str()
        }
        Some(ErrorKind::Credentials) => " (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`)",
        Some(ErrorKind::Unreachable) => " (check --endpoint-url / AWS_ENDPOINT_URL and the network)",
        Some(ErrorKind::AccessDenied) => " (the caller needs sts:AssumeRole on the audit role, and the role must trust the caller)",
        _ => "",
    };
    Failure {
        code: 3,
        message: format!("{e}{hint}"),
    }
}

/// The auditor's one write: a report into the operator's own bucket, with the caller's
/// credentials (the daemon's `upload_to`, and `--output s3://...`).
pub(crate) async fn upload(
    cfg: &Config,
    bucket: &str,
    key: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    let base = auditor_aws::load_base_config(&aws_options(cfg)).await;
    auditor_aws::deliver::put_report(&base, bucket, key, content_type, body).await
}

/// Delivers every output of a run (each in its own format, from `result`), in order; what
/// was done, for the user, or the first failure (exit 4), after trying them all.
pub(crate) async fn deliver_all(
    cfg: &Config,
    outputs: &[crate::output::Output],
    result: &auditor_model::AuditResult,
    changes: Option<&auditor_report::html::Changes>,
) -> Result<Vec<String>, Failure> {
    let mut said = Vec::new();
    let mut failed = None;
    for o in outputs {
        // The JSON report is serialised straight into its file.
        if let (crate::output::ReportFormat::Json, crate::output::Destination::File(p)) =
            (o.format, &o.dest)
        {
            match crate::output::write_atomically_with(p, |f| {
                auditor_report::json_v1::write_json(result, f)
            }) {
                Ok(()) => said.push(format!("JSON report written to {}", p.display())),
                Err(e) => {
                    failed.get_or_insert(Failure {
                        code: 4,
                        message: format!("cannot write the report to {}: {e:#}", p.display()),
                    });
                }
            }
            continue;
        }
        let (body, what) = o.format.render(result, changes);
        match deliver(cfg, &o.dest, &body, what, o.format.content_type()).await {
            Ok(s) => said.push(s),
            Err(f) => {
                failed.get_or_insert(f);
            }
        }
    }
    match failed {
        Some(f) => Err(f),
        None => Ok(said),
    }
}

/// Delivers a report to `dest`: written atomically, or uploaded. What was done, for the
/// user, or the failure (exit 4).
pub(crate) async fn deliver(
    cfg: &Config,
    dest: &crate::output::Destination,
    json: &str,
    what: &str,
    content_type: &str,
) -> Result<String, Failure> {
    use crate::output::Destination;
    match dest {
        Destination::File(p) => crate::output::write_atomically(p, json.as_bytes())
            .map(|()| format!("{what} written to {}", p.display()))
            .map_err(|e| Failure {
                code: 4,
                message: format!("cannot write the report to {}: {e:#}", p.display()),
            }),
        Destination::S3 { bucket, key } => {
            upload(cfg, bucket, key, content_type, json.as_bytes().to_vec())
                .await
                .map(|()| format!("{what} uploaded to {dest}"))
                .map_err(|e| Failure {
                    code: 4,
                    message: format!("cannot upload the report to {dest}: {e}"),
                })
        }
    }
}
