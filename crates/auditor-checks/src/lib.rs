//! Every check of the auditor, one file each, and the registry that lists them.
//!
//! A check is a unit struct declared with [`declare_check!`]: its rustdoc, with the fixed
//! headings `What it checks` / `Why it matters` / `Remediation` / `References`, *is* the
//! user documentation (`auditor explain CODE`, the generated `CHECKS.md`), and its metadata
//! (code, name, severity, WA ids, the API calls it reads) sits next to it.
//!
//! Architecture invariant: checks are pure functions of the [`Inventory`] and [`Settings`];
//! they do no I/O and cannot fail. Data that was not collected yields a "not assessed"
//! finding with the reason, never a silent pass.
#![deny(missing_docs)]

pub mod catalog;
mod cloudtrail;
pub mod config;
pub mod docs;
mod ec2;
mod ecr;
mod eks;
mod elb;
mod emit;
pub mod fsbp;
mod guardduty;
mod iam;
mod principals;
mod registry;
mod resource_policy;
mod s3;
mod settings;

pub use emit::Emitter;
pub use registry::{
    all, audit, audit_until, by_code, codes_for, codes_run, reads, run_all, run_check,
    state_access, Reads,
};
pub use settings::{
    Settings, StateSettings, StateTeam, SuppressionRule, TagMatch, DEFAULT_DATABASE_PORTS,
    DEFAULT_NODE_ROLE_POLICIES, DEFAULT_REQUIRED_LOG_TYPES, EKS_LOG_TYPES, OPT_IN_CHECKS,
};

use auditor_model::ec2::Ec2Region;
use auditor_model::eks::EksRegion;
use auditor_model::iam::IamAccount;
use auditor_model::{Gap, GapKind, Inventory, Service, Severity};

/// Metadata of a check: everything but its logic.
#[derive(Debug)]
pub struct CheckMeta {
    /// Stable code, `<SERVICE>-<NNN>`; never reused once shipped.
    pub code: &'static str,
    /// Kebab-case name of the risky condition, e.g. `sg-open-admin-ports`.
    pub name: &'static str,
    /// One-line title of what fails.
    pub title: &'static str,
    /// The service whose inventory it reads first.
    pub service: Service,
    /// Default severity of a failure (a user can remap it in config).
    pub severity: Severity,
    /// Well-Architected practice ids, revision [`catalog::REVISION`].
    pub wa: &'static [&'static str],
    /// The AWS Foundational Security Best Practices controls of Security Hub it matches
    /// (`ELB.1`, ...), where one does.
    pub fsbp: &'static [&'static str],
    /// The API calls (IAM actions) whose data it needs.
    pub reads: &'static [&'static str],
    /// Markdown documentation, from the check's rustdoc.
    pub docs: &'static str,
    /// The source file that declares it (`<service>/<name_with_underscores>.rs`).
    pub file: &'static str,
}

impl CheckMeta {
    /// The documentation with rustdoc's one-space indentation removed.
    pub fn doc_text(&self) -> String {
        self.docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    }

    /// The body of one `## Heading` section of the docs.
    pub fn section(&self, heading: &str) -> Option<String> {
        let text = self.doc_text();
        let mut lines = text.lines();
        lines.find(|l| l.trim_start_matches('#').trim() == heading && l.starts_with("##"))?;
        let body: Vec<&str> = lines.take_while(|l| !l.starts_with("## ")).collect();
        Some(body.join("\n").trim().to_owned())
    }

    /// The remediation text, on one paragraph, for findings.
    pub fn remediation(&self) -> String {
        self.paragraph("Remediation")
    }

    /// Why it matters, on one paragraph.
    pub fn why(&self) -> String {
        self.paragraph("Why it matters")
    }

    /// The `## References` items, one per document.
    pub fn references(&self) -> Vec<String> {
        self.section("References")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- "))
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// One section's text on one paragraph (empty when the docs have none).
    fn paragraph(&self, heading: &str) -> String {
        self.section(heading)
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The placeholders a remediation may use for the finding's own resource, filled in per
/// finding by [`fill_remediation`]: `<region>`, `<account>`, `<arn>`, and the resource's
/// kind (`<security-group>`, `<bucket>`, `<role>`, ...) for its id; a node group's id also
/// gives `<cluster>`.
pub const RESOURCE_PLACEHOLDERS: &[&str] = &[
    "region",
    "account",
    "arn",
    "security-group",
    "instance",
    "vpc",
    "subnet",
    "network-acl",
    "cluster",
    "nodegroup",
    "repository",
    "bucket",
    "role",
    "user",
    "policy",
    "trail",
    "load-balancer",
    "vpc-endpoint",
    "launch-template",
];

/// A check's remediation for one finding: the placeholders of [`RESOURCE_PLACEHOLDERS`]
/// that the resource answers replaced by its own values (`--group-id sg-0abc...`), the
/// others (another kind's, or a wildcard resource's) left as written.
pub fn fill_remediation(template: &str, r: &auditor_model::Resource) -> String {
    if !template.contains('<') {
        return template.to_owned();
    }
    let concrete = r.id != "*" && !r.id.is_empty();
    let mut values: Vec<(String, &str)> = vec![("<account>".into(), &r.account)];
    if let Some(region) = r.region.as_deref() {
        values.push(("<region>".into(), region));
    }
    if concrete {
        values.push(("<arn>".into(), r.arn.as_str()));
        match (&*r.kind, r.id.split_once('/')) {
            ("nodegroup", Some((cluster, group))) => {
                values.push(("<cluster>".into(), cluster));
                values.push(("<nodegroup>".into(), group));
            }
            (kind, _) => values.push((format!("<{kind}>"), r.id.as_str())),
        }
    }
    // Only values that cannot change a shell command's meaning (AWS names and ids always
    // are; a doctored saved inventory need not be): the rest stay placeholders.
    let safe = |v: &str| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_:/-".contains(c))
    };
    let mut text = template.to_owned();
    for (placeholder, value) in values {
        if safe(value) {
            text = text.replace(&placeholder, value);
        }
    }
    text
}

/// The data a check reads.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// The account snapshot.
    pub inventory: &'a Inventory,
    /// User settings that checks honour (ports, tags, allowed principals).
    pub settings: &'a Settings,
    /// Analyses that several checks (and the report) share, computed once per audit.
    pub(crate) memo: &'a Memo,
}

impl<'a> CheckContext<'a> {
    /// A region's EC2 data, or the gap saying it was not collected. Checks of any service
    /// read another service's data through these accessors (and declare the APIs in their
    /// `reads`, from which the engine decides what to collect).
    pub fn ec2(&self, region: &str) -> Result<&'a Ec2Region, Gap> {
        self.inventory.ec2.get(region).ok_or_else(|| {
            absent(
                "ec2",
                Some(region),
                "",
                format!("EC2 data for {region} was not collected"),
            )
        })
    }

    /// A region's EKS data, or the gap saying it was not collected.
    pub fn eks(&self, region: &str) -> Result<&'a EksRegion, Gap> {
        self.inventory.eks.get(region).ok_or_else(|| {
            absent(
                "eks",
                Some(region),
                "",
                format!("EKS data for {region} was not collected"),
            )
        })
    }

    /// The account's IAM data, or the gap saying it was not collected.
    pub fn iam(&self) -> Result<&'a IamAccount, Gap> {
        self.inventory.iam.as_ref().ok_or_else(|| {
            absent(
                "iam",
                None,
                "iam:GetAccountAuthorizationDetails",
                "IAM was not collected".into(),
            )
        })
    }
}

/// The gap of a service (or region) that was not collected at all.
fn absent(service: &str, region: Option<&str>, api: &str, message: String) -> Gap {
    Gap {
        resource: None,
        service: service.into(),
        region: region.map(str::to_owned),
        api: api.into(),
        kind: GapKind::Absent,
        message,
    }
}

impl CheckMeta {
    /// Whether `gap` can cost this check findings: a whole region (`*`) costs its service's
    /// checks; an API costs every check that reads it, of any service (S3-008 reads IAM,
    /// EKS checks EC2); a gap about one resource that vanished with it (a bucket the
    /// discovery could not look into) costs every check of the resource's service.
    pub fn costed_by(&self, gap: &Gap) -> bool {
        ((gap.api == "*" || gap.resource.is_some()) && self.service.as_str() == gap.service)
            || self.reads.contains(&gap.api.as_str())
    }
}

/// Shared analyses of one audit.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    pub(crate) state_access: std::sync::OnceLock<s3::access::Analysis>,
}

/// Access to a check's metadata; [`declare_check!`] implements it.
pub trait HasMeta {
    /// The metadata.
    fn meta(&self) -> &'static CheckMeta;
}

/// A check: metadata plus a pure function from the inventory to findings.
pub trait Check: HasMeta + Sync {
    /// Evaluates the inventory, emitting one finding per resource (fail, pass or not assessed).
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>);
}

/// Declares a check: a unit struct with its rustdoc as documentation and its metadata.
///
/// ```text
/// declare_check! {
///     /// ## What it checks
///     /// ...
///     pub struct SgOpenAdminPorts {
///         code: "EC2-002",
///         name: "sg-open-admin-ports",
///         title: "Security group open to the internet on administration ports",
///         service: Ec2,
///         severity: High,
///         wa: ["SEC05-BP02", "SEC06-BP05"],
///         reads: ["ec2:DescribeSecurityGroups"],
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            code: $code:literal,
            name: $cname:literal,
            title: $title:literal,
            service: $service:ident,
            severity: $sev:ident,
            wa: [$($wa:literal),* $(,)?],
            $(fsbp: [$($fsbp:literal),* $(,)?],)?
            reads: [$($reads:literal),* $(,)?] $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $name {
            /// This check's metadata.
            $vis const META: $crate::CheckMeta = $crate::CheckMeta {
                code: $code,
                name: $cname,
                title: $title,
                service: ::auditor_model::Service::$service,
                severity: ::auditor_model::Severity::$sev,
                wa: &[$($wa),*],
                fsbp: &[$($($fsbp),*)?],
                reads: &[$($reads),*],
                docs: concat!($($doc, "\n"),*),
                file: file!(),
            };
        }

        impl $crate::HasMeta for $name {
            fn meta(&self) -> &'static $crate::CheckMeta {
                &Self::META
            }
        }
    };
}
