//! `auditor audit`: one account (or a saved inventory), or the organisation (`--org`):
//! the configuration settled, the run recorded, the report printed and written, and the
//! exit code the pipeline gates on.

use crate::config::{self, Config};
use crate::fail::{usage, warn, Failure};
use crate::{org, output, progress, run, stored};
use anyhow::Context as _;
use auditor_model::{AccountId, Inventory, Service};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    Table,
    Json,
    /// One row per finding (RFC 4180); `audit` and `report` only.
    Csv,
    /// SARIF 2.1.0; `audit` and `report` only.
    Sarif,
    /// AWS Security Finding Format, 100 per line; `audit` and `report` only.
    Asff,
    /// OCSF Compliance Finding events, one per line; `audit` and `report` only.
    Ocsf,
    /// The review report, one self-contained HTML page; `audit` and `report` only.
    Html,
}

#[derive(Args)]
pub(crate) struct AuditArgs {
    /// The account to audit (12 digits). The audit refuses any other account.
    #[arg(long, conflicts_with = "org")]
    account: Option<String>,
    /// Audit every active account of the organisation (listed with the caller's
    /// credentials: the management account or a delegated administrator), each through
    /// the audit role; accounts that cannot be audited are reported as not assessed.
    #[arg(long, conflicts_with_all = ["from_inventory", "save_inventory"])]
    org: bool,
    /// With --org: only accounts below these organizational units (or root), comma-separated [default: config org.ous].
    #[arg(long, value_delimiter = ',')]
    ou: Option<Vec<String>>,
    /// With --org: only accounts carrying this tag, KEY=VALUE (repeatable) [default: config org.tags].
    #[arg(long = "account-tag")]
    account_tag: Vec<String>,
    /// With --org: leave these account ids out, comma-separated [default: config org.exclude].
    #[arg(long = "exclude-account", value_delimiter = ',')]
    exclude_account: Option<Vec<String>>,
    /// With --org: accounts audited at once [default: config org.concurrency, else 4].
    #[arg(long)]
    account_concurrency: Option<usize>,
    /// Client-side rate limit of one API family, SERVICE=REQUESTS_PER_SECOND (0 turns it
    /// off), per account and region; repeatable, comma-separated [default: config
    /// aws.rate_limits, else ec2=20 iam=10 sts=10 organizations=4 eks=10 ecr=20 s3=50].
    #[arg(long, value_delimiter = ',')]
    rate_limit: Vec<String>,
    /// Configuration file (see config/auditor.example.toml).
    #[arg(long, env = "AUDITOR_CONFIG")]
    config: Option<PathBuf>,
    /// Named AWS profile (SSO profiles work).
    #[arg(long)]
    profile: Option<String>,
    /// Send every AWS call to this endpoint (an emulator). AWS_ENDPOINT_URL works too.
    #[arg(long)]
    endpoint_url: Option<String>,
    /// Role to assume in the account when the caller is elsewhere [default: config, else AuditorReadOnly].
    #[arg(long)]
    role_name: Option<String>,
    /// The ExternalId the audit role's trust policy requires (sts:ExternalId), sent with
    /// every AssumeRole; `aws.external_id` in config, and per account in `[[accounts]]`.
    #[arg(long, env = "AUDITOR_EXTERNAL_ID")]
    external_id: Option<String>,
    /// Comma-separated regions [default: every region enabled for the account].
    #[arg(long, value_delimiter = ',')]
    regions: Option<Vec<String>>,
    /// Comma-separated services to audit [default: every available one: ec2, eks, iam, ecr, s3].
    /// Auditing eks also reads the EC2 and IAM data its checks need, s3 the IAM data; only
    /// the listed services' checks run.
    #[arg(long, value_delimiter = ',')]
    services: Option<Vec<String>>,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write the report to this file, atomically (or upload it: s3://bucket/key); may
    /// be given more than once. The format is named (`csv=out/findings.csv`) or taken from
    /// the extension: `.csv` is CSV, anything else the JSON report (v1).
    #[arg(long)]
    output: Vec<PathBuf>,
    /// Exit 1 when a finding of this severity or higher fails: info, low, medium, high, critical, none [default: high].
    #[arg(long)]
    fail_on: Option<String>,
    /// Regions collected at once [default: 8].
    #[arg(long)]
    concurrency: Option<usize>,
    /// Attempts per AWS call under adaptive retry [default: 5].
    #[arg(long)]
    max_attempts: Option<u32>,
    /// List passing findings in the table too (the same as `--show passed`).
    #[arg(long)]
    show_passed: bool,
    /// Lists the table leaves out or summarises on large accounts: passed, findings (every
    /// failing and unassessed one, not 10 per check), state-access (every bucket's
    /// matrix), all. Comma-separated or repeated.
    #[arg(long, value_enum, value_delimiter = ',')]
    show: Vec<crate::output::Show>,
    /// Save the collected inventory (JSON) to this file, to audit it again offline.
    #[arg(long)]
    save_inventory: Option<PathBuf>,
    /// Audit a saved inventory instead of calling AWS.
    #[arg(long, conflicts_with_all = ["profile", "endpoint_url", "role_name", "regions"])]
    from_inventory: Option<PathBuf>,
    /// Record the run in this findings store (a SQLite file, created if missing, or a
    /// `postgres://` URL): its findings and each failing finding's history. See `auditor
    /// runs`, `report` and `diff`.
    #[arg(long, env = "AUDITOR_STORE", hide_env_values = true, value_parser = crate::stored::parse_store)]
    store: Option<auditor_store::Location>,
}

/// The configuration file with the flags laid over it, validated once: the services
/// audited and the severity that fails the run follow.
fn settle(
    args: &AuditArgs,
) -> Result<(Config, Vec<Service>, Option<auditor_model::Severity>), Failure> {
    let flags = config::Flags {
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        role_name: args.role_name.clone(),
        external_id: args.external_id.clone(),
        regions: args.regions.clone(),
        services: args.services.clone(),
        concurrency: args.concurrency,
        max_attempts: args.max_attempts,
        fail_on: args.fail_on.clone(),
        rate_limit: args.rate_limit.clone(),
        ous: args.ou.clone(),
        account_tags: args.account_tag.clone(),
        exclude_accounts: args.exclude_account.clone(),
        account_concurrency: args.account_concurrency,
    };
    let cfg =
        config::load_with(args.config.as_deref(), &flags).map_err(|e| usage(e.to_string()))?;
    for w in &cfg.warnings {
        warn(w);
    }
    let (services, fail_on) = (cfg.services(), cfg.fail_on);
    Ok((cfg, services, fail_on))
}

pub(crate) async fn audit(args: AuditArgs) -> Result<u8, Failure> {
    // Flags that select an organisation's accounts mean nothing for one account.
    if !args.org {
        let org_only = [
            ("--ou", args.ou.is_some()),
            ("--account-tag", !args.account_tag.is_empty()),
            ("--exclude-account", args.exclude_account.is_some()),
            ("--account-concurrency", args.account_concurrency.is_some()),
        ];
        if let Some((flag, _)) = org_only.iter().find(|(_, given)| *given) {
            return Err(usage(format!(
                "{flag} selects among an organisation's accounts: use it with --org, not with --account"
            )));
        }
    }
    if args.account.is_none() && !args.org && args.from_inventory.is_none() {
        return Err(usage(
            "which account? give --account ID, --org (every selected account of the organisation), or --from-inventory FILE",
        ));
    }
    let (cfg, services, fail_on) = settle(&args)?;
    // Where the report and the inventory go is checked before anything else happens: a
    // report that cannot be delivered is known now, not after the whole audit.
    let outputs = args
        .output
        .iter()
        .map(|p| output::Output::parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    if args.org
        && (matches!(
            args.format,
            Format::Csv | Format::Sarif | Format::Asff | Format::Ocsf | Format::Html
        ) || outputs
            .iter()
            .any(|o| o.format != output::ReportFormat::Json))
    {
        return Err(usage(
            "an organisation's audit is reported as JSON (one report wrapping each account's): csv, sarif, asff, ocsf and html are for one account",
        ));
    }
    if let Some(p) = &args.save_inventory {
        match output::Destination::parse("--save-inventory", p)? {
            d @ output::Destination::File(_) => d.check("--save-inventory")?,
            output::Destination::S3 { .. } => {
                return Err(usage(format!(
                    "--save-inventory {}: takes a local file (an inventory is never uploaded)",
                    p.display()
                )))
            }
        }
    }
    let started_at = time::OffsetDateTime::now_utc();
    // Opened first: a store that cannot be used stops the audit before any AWS call.
    let store = match &args.store {
        Some(p) => Some(std::sync::Mutex::new(stored::open(p)?)),
        None => None,
    };
    if args.org {
        return org::audit(
            &cfg,
            services,
            org::OrgRun {
                json: args.format == Format::Json,
                outputs: outputs.iter().map(|o| o.dest.clone()).collect(),
                table: crate::output::table_options(args.show_passed, &args.show),
                store,
                fail_on,
            },
        )
        .await;
    }

    let (inventory, result, recorded) = match &args.from_inventory {
        Some(path) => {
            let inv = load_inventory(path).map_err(|e| usage(format!("{e:#}")))?;
            if let Some(a) = &args.account {
                if a != &inv.account_id {
                    return Err(usage(format!(
                        "{} holds account {}, not {a}",
                        path.display(),
                        inv.account_id
                    )));
                }
            }
            let result = auditor_engine::evaluate(
                &inv,
                &cfg.settings,
                "(offline: saved inventory)",
                None,
                started_at,
            );
            let names: Vec<String> = result.services.iter().map(|s| s.to_string()).collect();
            let recorded = stored::Recorded::begin(
                store.as_ref(),
                &result.account_id,
                &result.regions,
                &names,
                started_at,
            );
            (inv, result, recorded)
        }
        None => {
            let account: AccountId = args
                .account
                .as_deref()
                .unwrap_or_default()
                .parse()
                .map_err(|e: auditor_model::IdError| usage(e.0))?;
            let regions = cfg.regions.clone().unwrap_or_default();
            let names: Vec<String> = services.iter().map(|s| s.to_string()).collect();
            let recorded = stored::Recorded::begin(
                store.as_ref(),
                account.as_str(),
                &regions,
                &names,
                started_at,
            )?;
            let progress = progress::Progress::account(account.as_str());
            let account_name = account.to_string();
            let audited = run::account(&cfg, account, services.clone(), started_at).await;
            progress.finish();
            let audited = match audited {
                Ok(a) => a,
                Err(f) => {
                    recorded.end("failed", &f.message);
                    if store.is_some() {
                        crate::notify::announce(
                            &cfg,
                            store.as_ref(),
                            account_name.as_str(),
                            recorded.id,
                            crate::notify::What::Failed(&f.message),
                        )
                        .await;
                    }
                    return Err(f);
                }
            };
            (audited.inventory, audited.result, Ok(recorded))
        }
    };

    if let Some(path) = &args.save_inventory {
        // Serialised into the file as it is produced: a large account's inventory is never
        // held twice in memory.
        output::write_atomically_with(path, |f| {
            let mut w = std::io::BufWriter::new(f);
            serde_json::to_writer_pretty(&mut w, &inventory)?;
            std::io::Write::flush(&mut w)
        })
        .map_err(|e| Failure {
            code: 4,
            message: format!("cannot save the inventory: {e:#}"),
        })?;
    }
    // The findings are all the report needs: the inventory's memory goes back now.
    drop(inventory);
    let stdout = match args.format {
        // Streamed to stdout below, as it is serialised.
        Format::Json => String::new(),
        Format::Csv => auditor_report::csv::to_csv(&result),
        Format::Sarif => auditor_report::sarif::to_sarif(&result),
        Format::Asff => auditor_report::asff::to_asff(&result, &[]),
        Format::Ocsf => auditor_report::ocsf::to_ocsf(&result),
        Format::Html => String::new(),
        Format::Table => String::new(),
    };
    // With a store, the review report says what changed since the account's previous run
    // (this run is not stored yet: the reports are written first).
    let wants_html = args.format == Format::Html
        || outputs
            .iter()
            .any(|o| o.format == output::ReportFormat::Html);
    let changes = match (&store, recorded.as_ref().ok().and_then(|r| r.id)) {
        (Some(st), Some(id)) if wants_html => {
            stored::changes_or_warn(&stored::lock(st), id, &result)
        }
        _ => None,
    };
    let stdout = if args.format == Format::Html {
        auditor_report::html::to_html(&result, changes.as_ref())
    } else {
        stdout
    };
    // The report file first, then the store (which may wait out a busy database), then
    // stdout; every failure is reported last, so none of them loses another's output.
    let delivered = run::deliver_all(&cfg, &outputs, &result, changes.as_ref()).await;
    let (store_err, run_id, changes) = match recorded {
        Ok(r) => match r.finish_and_say(&result) {
            Ok(c) => (None, r.id, c),
            Err(f) => (Some(f), r.id, None),
        },
        Err(f) => (Some(f), None, None),
    };
    if let Some(c) = &changes {
        crate::notify::announce(
            &cfg,
            store.as_ref(),
            &result.account_id,
            run_id,
            crate::notify::What::Raised(&c.raised),
        )
        .await;
    }

    let mut stdout_err = None;
    if args.format == Format::Json {
        // A closed stdout (`| head`) is not the audit's failure; a full disk is.
        if let Err(e) = auditor_report::json_v1::write_json(&result, std::io::stdout().lock()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                stdout_err = Some(Failure {
                    code: 4,
                    message: format!("cannot write the report to standard output: {e}"),
                });
            }
        }
    } else {
        output::emit(
            &stdout,
            || {
                auditor_report::table::render(
                    &result,
                    crate::output::table_options(args.show_passed, &args.show),
                )
            },
            args.format != Format::Table,
        );
    }
    for said in delivered? {
        crate::fail::say(&said);
    }
    if let Some(f) = stdout_err {
        return Err(f);
    }
    if let Some(f) = store_err {
        return Err(f);
    }

    let gate = fail_on.is_some_and(|min| {
        result
            .findings
            .iter()
            .any(|f| f.fails_unsuppressed() && f.severity >= min)
    });
    Ok(u8::from(gate))
}

fn load_inventory(path: &std::path::Path) -> anyhow::Result<Inventory> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a saved inventory", path.display()))
}
