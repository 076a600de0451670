//! `auditor`: audits an AWS account against the Well-Architected Security pillar.
//!
//! Exit codes (also in the README):
//! 0 audit done, nothing at or above `--fail-on` failed · 1 findings at or above `--fail-on`
//! · 2 bad input (flags, config, account id, region, service, check code) · 3 AWS could not
//! be used (credentials, endpoint, role assumption, wrong account) · 4 the report could not
//! be written.

mod config;
mod daemon;
mod http;
mod org;
mod output;
mod policy;
mod progress;
mod stored;

use anyhow::Context as _;
use auditor_aws::{AwsError, AwsOptions, ErrorKind};
use auditor_model::{AccountId, Inventory, Service};
use clap::{Args, Parser, Subcommand, ValueEnum};
use config::Config;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "auditor",
    version,
    about = "Audits an AWS account against the Well-Architected Security pillar (read-only)."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Log lines on standard error: text, or one JSON object per line (for log collectors;
    /// turns off the progress display).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

static JSON_LOGS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether logs are JSON lines (then nothing else is drawn on standard error).
pub(crate) fn json_logs() -> bool {
    JSON_LOGS.get().copied().unwrap_or(false)
}

/// Tells the user something on stderr: `auditor: <msg>`, or with `--log-format json` the
/// same as a log event, so that stderr stays one JSON object per line.
pub(crate) fn say(msg: &str) {
    if json_logs() {
        tracing::info!(target: "auditor::cli", "{msg}");
    } else {
        eprintln!("auditor: {msg}");
    }
}

/// [`say`] for a warning: `auditor: warning: <msg>`.
pub(crate) fn warn(msg: &str) {
    if json_logs() {
        tracing::warn!(target: "auditor::cli", "{msg}");
    } else {
        eprintln!("auditor: warning: {msg}");
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Audit one account (--account), or every selected account of the organisation
    /// (--org), and report the findings.
    Audit(Box<AuditArgs>),
    /// List every check with its code, severity and Well-Architected ids.
    Checks {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ChecksFormat::Table)]
        format: ChecksFormat,
    },
    /// IAM policy tools that need no AWS access.
    Policy {
        #[command(subcommand)]
        cmd: PolicyCmd,
    },
    /// Print a check's documentation: what, why, remediation, references.
    Explain {
        /// The check's code, e.g. EC2-002.
        code: String,
    },
    /// Audit the configured accounts on a schedule: store every run, write each JSON
    /// report to the reports directory, serve health, metrics and a JSON API over HTTP.
    Daemon {
        /// Configuration file with a [daemon] section (see config/auditor.example.toml).
        #[arg(long, env = "AUDITOR_CONFIG")]
        config: PathBuf,
        /// Stop after this many scheduled rounds (for tests and one-off runs).
        #[arg(long, hide = true)]
        max_rounds: Option<u32>,
    },
    /// List the runs recorded in a findings store, newest first.
    Runs {
        #[command(flatten)]
        store: StoreArg,
        /// Only this account's runs.
        #[arg(long)]
        account: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the report of a recorded run.
    Report {
        #[command(flatten)]
        store: StoreArg,
        /// The run's id (see `auditor runs`).
        #[arg(long)]
        run: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// List passing findings in the table too.
        #[arg(long)]
        show_passed: bool,
    },
    /// What changed between two recorded runs of one account: new, resolved, still open.
    Diff {
        #[command(flatten)]
        store: StoreArg,
        /// The earlier run [default: the complete run before --to, of the same account].
        #[arg(long)]
        from: Option<i64>,
        /// The later run [default: the latest complete run].
        #[arg(long)]
        to: Option<i64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum PolicyCmd {
    /// Decide requests offline against the policies given with them (like `aws iam
    /// simulate-custom-policy`, without AWS): reads cases as a JSON array or JSON lines
    /// (README, "Simulating policies"), prints one JSON line per case with the decision and
    /// the statements that decided it. Exit 1 if a case could not be decided.
    Simulate {
        /// The cases, or - for standard input.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ChecksFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

#[derive(Args)]
struct AuditArgs {
    /// The account to audit (12 digits). The audit refuses any other account.
    #[arg(long, required_unless_present_any = ["from_inventory", "org"], conflicts_with = "org")]
    account: Option<String>,
    /// Audit every active account of the organisation (listed with the caller's
    /// credentials: the management account or a delegated administrator), each through
    /// the audit role; accounts that cannot be audited are reported as not assessed.
    #[arg(long, conflicts_with_all = ["from_inventory", "save_inventory"])]
    org: bool,
    /// With --org: only accounts below these organizational units (or root), comma-separated [default: config org.ous].
    #[arg(long, value_delimiter = ',', requires = "org")]
    ou: Option<Vec<String>>,
    /// With --org: only accounts carrying this tag, KEY=VALUE (repeatable) [default: config org.tags].
    #[arg(long = "account-tag", requires = "org")]
    account_tag: Vec<String>,
    /// With --org: leave these account ids out, comma-separated [default: config org.exclude].
    #[arg(long = "exclude-account", value_delimiter = ',', requires = "org")]
    exclude_account: Option<Vec<String>>,
    /// With --org: accounts audited at once [default: config org.concurrency, else 4].
    #[arg(long, requires = "org")]
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
    /// Also write the JSON report (v1) to this file, atomically.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Exit 1 when a finding of this severity or higher fails: info, low, medium, high, critical, none [default: high].
    #[arg(long)]
    fail_on: Option<String>,
    /// Regions collected at once [default: 8].
    #[arg(long)]
    concurrency: Option<usize>,
    /// Attempts per AWS call under adaptive retry [default: 5].
    #[arg(long)]
    max_attempts: Option<u32>,
    /// List passing findings in the table too.
    #[arg(long)]
    show_passed: bool,
    /// Save the collected inventory (JSON) to this file, to audit it again offline.
    #[arg(long)]
    save_inventory: Option<PathBuf>,
    /// Audit a saved inventory instead of calling AWS.
    #[arg(long, conflicts_with_all = ["profile", "endpoint_url", "role_name", "regions"])]
    from_inventory: Option<PathBuf>,
    /// Record the run in this findings store (SQLite; created if missing): its findings and
    /// each failing finding's history. See `auditor runs`, `report` and `diff`.
    #[arg(long, env = "AUDITOR_STORE")]
    store: Option<PathBuf>,
}

#[derive(Args)]
struct StoreArg {
    /// The findings store (SQLite) that `audit --store` writes.
    #[arg(long, env = "AUDITOR_STORE")]
    store: PathBuf,
}

/// A failure with its exit code; the message is one line.
struct Failure {
    code: u8,
    message: String,
}

fn usage(msg: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: msg.into(),
    }
}

fn aws(e: &AwsError, profile: Option<&str>) -> Failure {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = JSON_LOGS.set(cli.log_format == LogFormat::Json);
    init_logging(cli.log_format == LogFormat::Json);
    let result = match cli.cmd {
        Cmd::Checks { format } => Ok(output::print_checks(match format {
            ChecksFormat::Table => output::ChecksFormat::Table,
            ChecksFormat::Json => output::ChecksFormat::Json,
            ChecksFormat::Markdown => output::ChecksFormat::Markdown,
        })),
        Cmd::Policy {
            cmd: PolicyCmd::Simulate { file },
        } => policy::simulate(&file),
        Cmd::Explain { code } => match auditor_checks::by_code(&code) {
            Some(c) => {
                print!("{}", auditor_checks::docs::explain(c.meta()));
                Ok(0)
            }
            None => Err(usage(format!(
                "no check has code '{code}' (see `auditor checks`)"
            ))),
        },
        Cmd::Runs {
            store,
            account,
            format,
        } => stored::runs(&store.store, account.as_deref(), format == Format::Json),
        Cmd::Report {
            store,
            run,
            format,
            show_passed,
        } => stored::report(&store.store, run, format == Format::Json, show_passed),
        Cmd::Diff {
            store,
            from,
            to,
            format,
        } => stored::diff(&store.store, from, to, format == Format::Json),
        Cmd::Daemon { config, max_rounds } => match config::load(&config) {
            Err(e) => Err(usage(e.to_string())),
            Ok(cfg) => {
                for w in &cfg.warnings {
                    warn(w);
                }
                match tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(daemon::run(cfg, max_rounds)),
                    Err(e) => Err(Failure {
                        code: 4,
                        message: format!("cannot start the async runtime: {e}"),
                    }),
                }
            }
        },
        Cmd::Audit(args) => match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(audit(*args)),
            Err(e) => Err(Failure {
                code: 4,
                message: format!("cannot start the async runtime: {e}"),
            }),
        },
    };
    record_peak_rss();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            if json_logs() {
                tracing::error!(target: "auditor::cli", code = f.code, "{}", f.message);
            } else {
                eprintln!("auditor: error: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

/// For `make bench`: with `AUDITOR_PEAK_RSS_FILE` set, writes the process's peak resident
/// set size in bytes (Linux `VmHWM`) to that file at exit.
fn record_peak_rss() {
    let Some(path) = std::env::var_os("AUDITOR_PEAK_RSS_FILE") else {
        return;
    };
    let kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        });
    if let Some(kib) = kib {
        let _ = std::fs::write(path, (kib * 1024).to_string());
    }
}

fn init_logging(json: bool) {
    // SDK internals log retries and credential-chain misses; users see one-line errors from
    // us instead. AUDITOR_LOG=debug shows everything.
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUDITOR_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,auditor::daemon=info,auditor::cli=info,aws_config=error,aws_smithy_runtime=error,aws_smithy_runtime_api=error",
        )
    });
    use std::io::IsTerminal as _;
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        fmt.json()
            .flatten_event(true)
            .with_current_span(false)
            .init();
    } else {
        fmt.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

/// Merges the config file and flags, and validates what needs no AWS call.
fn settle(
    args: &AuditArgs,
) -> Result<(Config, Vec<Service>, Option<auditor_model::Severity>), Failure> {
    let mut cfg = match &args.config {
        Some(p) => config::load(p).map_err(|e| usage(e.to_string()))?,
        None => Config::default(),
    };
    for w in &cfg.warnings {
        warn(w);
    }
    if args.profile.is_some() {
        cfg.profile.clone_from(&args.profile);
    }
    if args.endpoint_url.is_some() {
        cfg.endpoint_url.clone_from(&args.endpoint_url);
    }
    if let Some(r) = &args.role_name {
        cfg.role_name.clone_from(r);
    }
    if args.regions.is_some() {
        cfg.regions.clone_from(&args.regions);
    }
    if let Some(n) = args.concurrency {
        cfg.concurrency = n.clamp(1, 256);
    }
    if let Some(n) = args.max_attempts {
        cfg.max_attempts = n.clamp(1, 20);
    }
    for spec in &args.rate_limit {
        let Some((service, rate)) = spec.split_once('=') else {
            return Err(usage(format!(
                "--rate-limit '{spec}': expected SERVICE=REQUESTS_PER_SECOND, e.g. iam=5"
            )));
        };
        let known = auditor_aws::counting::RateLimits::known_services();
        let service = service.trim();
        if service != "default" && !known.contains(&service) {
            return Err(usage(format!(
                "--rate-limit '{spec}': unknown API family '{service}' (expected one of: {}, default)",
                known.join(", ")
            )));
        }
        let limit = rate
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| *r >= 0.0 && r.is_finite())
            .map(auditor_aws::counting::RateLimit::per_second)
            .ok_or_else(|| {
                usage(format!(
                    "--rate-limit '{spec}': '{rate}' is not a number of requests per second (0 for no limit)"
                ))
            })?;
        if service == "default" {
            cfg.rate_limits.default = limit;
        } else {
            cfg.rate_limits.by_service.insert(service.to_owned(), limit);
        }
    }
    if let Some(ous) = &args.ou {
        cfg.org.filter.ous.clone_from(ous);
    }
    if !args.account_tag.is_empty() {
        cfg.org.filter.tags.clear();
        for t in &args.account_tag {
            match t.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    cfg.org
                        .filter
                        .tags
                        .insert(k.trim().to_owned(), v.trim().to_owned());
                }
                _ => return Err(usage(format!("--account-tag '{t}': expected KEY=VALUE"))),
            }
        }
    }
    if let Some(ex) = &args.exclude_account {
        let mut out = Vec::new();
        for a in ex {
            out.push(
                a.parse::<AccountId>()
                    .map_err(|e| usage(format!("--exclude-account: {}", e.0)))?
                    .to_string(),
            );
        }
        cfg.org.filter.exclude = out;
    }
    if let Some(n) = args.account_concurrency {
        cfg.org.concurrency = n.clamp(1, 64);
    }
    if let Some(u) = &cfg.endpoint_url {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return Err(usage(format!("--endpoint-url '{u}' is not an http(s) URL")));
        }
    }
    if let Some(bad) = cfg
        .regions
        .iter()
        .flatten()
        .find(|r| !auditor_engine::looks_like_region(r))
    {
        return Err(usage(
            auditor_engine::RegionError::Malformed(bad.clone()).to_string(),
        ));
    }
    let services = match &args.services {
        Some(list) => {
            let mut out = Vec::new();
            for s in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                out.push(s.parse::<Service>().map_err(|e| usage(e.0))?);
            }
            out
        }
        None => cfg
            .services
            .clone()
            .unwrap_or_else(|| Service::IMPLEMENTED.to_vec()),
    };
    if services.is_empty() {
        return Err(usage("--services is empty"));
    }
    if let Some(s) = services.iter().find(|s| !Service::IMPLEMENTED.contains(s)) {
        let have: Vec<&str> = Service::IMPLEMENTED.iter().map(|s| s.as_str()).collect();
        return Err(usage(format!(
            "service '{s}' is not available in this build yet (available: {})",
            have.join(", ")
        )));
    }
    let fail_on = match &args.fail_on {
        Some(s) => config::parse_fail_on(s).map_err(|e| usage(format!("--fail-on: {e}")))?,
        None => cfg.fail_on,
    };
    Ok((cfg, services, fail_on))
}

async fn audit(args: AuditArgs) -> Result<u8, Failure> {
    let (cfg, services, fail_on) = settle(&args)?;
    let started_at = time::OffsetDateTime::now_utc();
    // Opened first: a store that cannot be used stops the audit before any AWS call.
    let mut store = match &args.store {
        Some(p) => Some(stored::open(p)?),
        None => None,
    };
    let mut run_id = None;
    if args.org {
        return org::audit(
            &cfg,
            services,
            org::OrgRun {
                json: args.format == Format::Json,
                output: args.output.clone(),
                show_passed: args.show_passed,
                store,
                fail_on,
            },
        )
        .await;
    }

    let (inventory, caller_arn, assumed_role) = match &args.from_inventory {
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
            (inv, "(offline: saved inventory)".to_owned(), None)
        }
        None => {
            let account: AccountId = args
                .account
                .as_deref()
                .unwrap_or_default()
                .parse()
                .map_err(|e: auditor_model::IdError| usage(e.0))?;
            // Recorded before any AWS call, so that a run refused by AWS is recorded too.
            if let Some(st) = store.as_mut() {
                let regions = cfg.regions.clone().unwrap_or_default();
                let names: Vec<String> = services.iter().map(|s| s.to_string()).collect();
                run_id = Some(stored::begin(
                    st,
                    account.as_str(),
                    &regions,
                    &names,
                    started_at,
                )?);
            }
            let progress = progress::Progress::account(account.as_str());
            let collected = collect_account(&cfg, &account, services.clone()).await;
            progress.finish();
            collected.map_err(|f| stored::failed(store.as_mut(), run_id, f))?
        }
    };

    if let Some(path) = &args.save_inventory {
        let json = serde_json::to_string_pretty(&inventory).unwrap_or_default();
        output::write_atomically(path, json.as_bytes()).map_err(|e| Failure {
            code: 4,
            message: format!("cannot save the inventory: {e:#}"),
        })?;
    }

    let result = auditor_engine::evaluate(
        &inventory,
        &cfg.settings,
        &caller_arn,
        assumed_role,
        started_at,
    );
    // The findings are all the report needs: the inventory's memory goes back now.
    drop(inventory);
    let json = if args.format == Format::Json || args.output.is_some() {
        auditor_report::json_v1::to_json(&result)
    } else {
        String::new()
    };
    // The store is written first but its failure reported last: the report (file and
    // stdout) must not be lost because the history could not be recorded.
    let store_err = store.as_mut().and_then(|st| {
        let id = match run_id {
            Some(id) => id,
            None => {
                let names: Vec<String> = result.services.iter().map(|s| s.to_string()).collect();
                match stored::begin(st, &result.account_id, &result.regions, &names, started_at) {
                    Ok(id) => id,
                    Err(f) => return Some(f),
                }
            }
        };
        stored::finish(st, id, &result).err()
    });

    output::emit(
        &json,
        || {
            auditor_report::table::render(
                &result,
                auditor_report::table::TableOptions {
                    show_passed: args.show_passed,
                },
            )
        },
        args.format == Format::Json,
        args.output.as_deref(),
    )?;
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

/// Opens a session in `account` (assuming the audit role when needed), plans its regions
/// and collects its inventory: (inventory, caller ARN, assumed role). Every AWS request on
/// the way is rate limited and counted under the account (the inventory's `api`).
pub(crate) async fn collect_account(
    cfg: &Config,
    account: &AccountId,
    services: Vec<Service>,
) -> Result<(Inventory, String, Option<String>), Failure> {
    let scope = account.as_str();
    let before = auditor_aws::counting::snapshot_scope(scope);
    let collected = auditor_aws::counting::scoped(scope, collect_in(cfg, account, services)).await;
    collected.map(|(mut inv, caller, assumed)| {
        inv.api =
            auditor_aws::counting::delta(&before, &auditor_aws::counting::snapshot_scope(scope));
        (inv, caller, assumed)
    })
}

async fn collect_in(
    cfg: &Config,
    account: &AccountId,
    services: Vec<Service>,
) -> Result<(Inventory, String, Option<String>), Failure> {
    let base = auditor_aws::load_base_config(&aws_options(cfg)).await;
    let session = auditor_aws::open_account(&base, account, &cfg.role_name)
        .await
        .map_err(|e| aws(&e, cfg.profile.as_deref()))?;
    let regions = auditor_engine::resolve_regions(&session, cfg.regions.as_deref())
        .await
        .map_err(|e| match e {
            auditor_engine::RegionError::Discovery(_) => Failure {
                code: 3,
                message: e.to_string(),
            },
            _ => usage(e.to_string()),
        })?;
    let plan = auditor_engine::AuditPlan {
        services,
        regions,
        concurrency: cfg.concurrency,
        s3: cfg.s3.clone(),
    };
    let inv = auditor_engine::collect(&session, &plan).await;
    Ok((
        inv,
        session.caller_arn.clone(),
        session.assumed_role.clone(),
    ))
}

fn load_inventory(path: &std::path::Path) -> anyhow::Result<Inventory> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a saved inventory", path.display()))
}
