//! The registry: one sorted table of every check. Adding a check is one line here.

use crate::{
    cloudtrail, ec2, ecr, eks, elb, guardduty, iam, s3, Check, CheckContext, Emitter, Memo,
    Settings,
};
use auditor_model::s3::StateAccess;
use auditor_model::{Finding, Inventory, Service};

/// Every check, sorted by code. Codes are never reused; a retired check keeps its line
/// commented out with the release that removed it.
static CHECKS: &[&dyn Check] = &[
    &cloudtrail::cloudtrail_no_multi_region_trail::NoMultiRegionTrail,
    &cloudtrail::cloudtrail_log_validation_off::LogValidationOff,
    &cloudtrail::cloudtrail_not_kms_encrypted::NotKmsEncrypted,
    &cloudtrail::cloudtrail_bucket_public::BucketPublic,
    &ec2::sg_open_all_traffic::SgOpenAllTraffic,
    &ec2::sg_open_admin_ports::SgOpenAdminPorts,
    &ec2::sg_open_database_ports::SgOpenDatabasePorts,
    &ec2::default_sg_has_rules::DefaultSgHasRules,
    &ec2::nacl_open_admin_ports::NaclOpenAdminPorts,
    &ec2::vpc_without_flow_logs::VpcWithoutFlowLogs,
    &ec2::eks_vpc_without_ecr_endpoints::VpcWithoutEcrEndpoints,
    &ec2::instance_allows_imdsv1::InstanceAllowsImdsv1,
    &ec2::ebs_default_encryption_off::EbsDefaultEncryptionOff,
    &ec2::isolated_subnet_has_egress::IsolatedSubnetHasEgress,
    &ec2::launch_template_allows_imdsv1::LaunchTemplateAllowsImdsv1,
    &ec2::vpc_endpoint_policy_full_access::VpcEndpointPolicyFullAccess,
    &ecr::ecr_tags_mutable::TagsMutable,
    &ecr::ecr_repository_not_scanned::RepositoryNotScanned,
    &ecr::ecr_no_lifecycle_policy::NoLifecyclePolicy,
    &ecr::ecr_policy_grants_outsiders::PolicyGrantsOutsiders,
    &ecr::ecr_not_kms_encrypted::NotKmsEncrypted,
    &ecr::ecr_image_critical_findings::ImageHasCriticalFindings,
    &ecr::ecr_pull_through_unapproved_upstream::PullThroughUnapprovedUpstream,
    &eks::secrets_not_kms_encrypted::SecretsNotKmsEncrypted,
    &eks::endpoint_public::EndpointPublic,
    &eks::control_plane_logging_incomplete::ControlPlaneLogging,
    &eks::version_outdated::VersionOutdated,
    &eks::cluster_role_not_dedicated::ClusterRoleShared,
    &eks::workload_identity_unavailable::IrsaUnavailable,
    &eks::vpc_cni_uses_node_role::VpcCniNodeRole,
    &eks::nodegroup_ssh_access::NodegroupSsh,
    &eks::nodegroup_custom_ami::NodegroupCustomAmi,
    &eks::nodes_allow_imds_from_pods::NodesAllowImdsv1,
    &eks::nodegroup_public_subnet::NodegroupPublicSubnet,
    &eks::cluster_security_groups_open::SecurityGroupsOpen,
    &eks::authentication_mode_config_map::AuthenticationMode,
    &eks::access_entries_extra_admins::AccessEntriesAdmins,
    &eks::node_role_overprivileged::NodeRoleOverprivileged,
    &eks::vpc_cni_network_policy_off::VpcCniNetworkPolicyOff,
    &elb::alb_http_not_redirected::AlbHttpNotRedirected,
    &elb::listener_tls_policy_outdated::ListenerTlsPolicyOutdated,
    &elb::alb_invalid_headers_not_dropped::AlbInvalidHeadersNotDropped,
    &elb::lb_deletion_protection_off::LbDeletionProtectionOff,
    &elb::internet_lb_in_node_subnet::InternetLbInNodeSubnet,
    &guardduty::guardduty_not_enabled::GuardDutyNotEnabled,
    &guardduty::guardduty_eks_protection_off::GuardDutyEksProtectionOff,
    &iam::trust_policy_any_principal::TrustAnyPrincipal,
    &iam::trust_policy_cross_account_unconditioned::TrustCrossAccount,
    &iam::irsa_trust_sub_unscoped::IrsaSubUnscoped,
    &iam::irsa_trust_aud_missing::IrsaAudMissing,
    &iam::oidc_trust_without_sub::OidcTrustWithoutSub,
    &iam::irsa_trust_provider_missing::IrsaProviderMissing,
    &iam::principal_has_admin_access::AdminAccess,
    &iam::console_user_without_mfa::ConsoleWithoutMfa,
    &iam::access_key_stale::AccessKeyStale,
    &iam::human_user_access_keys::HumanUserAccessKeys,
    &iam::role_unused::RoleUnused,
    &iam::user_has_direct_policies::UserDirectPolicies,
    &iam::weak_password_policy::WeakPasswordPolicy,
    &iam::principal_can_escalate_privileges::PrivilegeEscalation,
    &iam::lb_controller_role_overprivileged::LbControllerOverprivileged,
    &iam::customer_policy_allows_full_service_access::CustomerPolicyFullServiceAccess,
    &s3::s3_state_not_kms_encrypted::EncryptionNotKms,
    &s3::s3_state_versioning_off::VersioningOff,
    &s3::s3_state_public_access_block_off::PublicAccessBlockOff,
    &s3::s3_state_tls_not_enforced::TlsNotEnforced,
    &s3::s3_state_policy_grants_outsiders::PolicyGrantsOutsiders,
    &s3::s3_state_access_logging_off::AccessLoggingOff,
    &s3::s3_state_acls_enabled::AclsEnabled,
    &s3::s3_cross_team_state_access::CrossTeamStateAccess,
    &s3::s3_state_holds_secrets::StateSecrets,
];

/// Every check, sorted by code.
pub fn all() -> &'static [&'static dyn Check] {
    CHECKS
}

/// Looks a check up by code, case-insensitively.
pub fn by_code(code: &str) -> Option<&'static dyn Check> {
    CHECKS
        .iter()
        .copied()
        .find(|c| c.meta().code.eq_ignore_ascii_case(code))
}

/// Runs every enabled check whose service was collected, in registry order.
pub fn run_all(inventory: &Inventory, settings: &Settings) -> Vec<Finding> {
    audit(inventory, settings).0
}

/// Runs every enabled check (as [`run_all`]) and gives the Terraform state access matrix
/// of each state bucket too, when S3 is audited: the analysis is done once for both.
pub fn audit(inventory: &Inventory, settings: &Settings) -> (Vec<Finding>, StateAccess) {
    let never = std::sync::atomic::AtomicBool::new(false);
    audit_until(inventory, settings, &never).unwrap_or_default()
}

/// [`audit`], stopped once `cancel` is set (an audit past its deadline): `None` then. A
/// check that has started, and the state access matrices once started, run to their end;
/// no check starts after it.
///
/// The checks run on every core (rayon), and the state access matrices beside them; the
/// findings come out in registry order whatever finished first. The shared analysis
/// (`Memo`) is made once, by whichever check asks first, while the others wait for it: its
/// own workers are scoped threads, not rayon's, so no rayon worker ever waits for itself
/// (keep it so: rayon inside the `OnceLock`'s initialiser could deadlock).
pub fn audit_until(
    inventory: &Inventory,
    settings: &Settings,
    cancel: &std::sync::atomic::AtomicBool,
) -> Option<(Vec<Finding>, StateAccess)> {
    use rayon::prelude::*;
    let cancelled = || cancel.load(std::sync::atomic::Ordering::Relaxed);
    let memo = Memo::default();
    let ctx = CheckContext {
        inventory,
        settings,
        memo: &memo,
    };
    let codes = codes_run(inventory, settings);
    let selected: Vec<&dyn Check> = CHECKS
        .iter()
        .copied()
        .filter(|c| codes.contains(&c.meta().code))
        .collect();
    let (per_check, matrices) = rayon::join(
        || {
            selected
                .par_iter()
                .map(|check| {
                    if cancelled() {
                        return None;
                    }
                    let t = std::time::Instant::now();
                    let mut out = Vec::new();
                    run_into(*check, &ctx, &mut out);
                    tracing::debug!(target: "auditor::timing", check = check.meta().code, seconds = t.elapsed().as_secs_f64(), "ran");
                    Some(out)
                })
                .collect::<Option<Vec<Vec<Finding>>>>()
        },
        || {
            let t = std::time::Instant::now();
            let matrices = if inventory.services.contains(&Service::S3) && !cancelled() {
                s3::access::matrices(&ctx)
            } else {
                StateAccess::default()
            };
            tracing::debug!(target: "auditor::timing", part = "state access matrices", seconds = t.elapsed().as_secs_f64(), "ran");
            matrices
        },
    );
    let per_check = per_check?;
    let mut findings = Vec::with_capacity(per_check.iter().map(Vec::len).sum());
    for mut f in per_check {
        findings.append(&mut f);
    }
    apply_suppressions(inventory, settings, &mut findings);
    if cancelled() {
        return None;
    }
    Some((findings, matrices))
}

/// Marks each failure that a suppression matches: in force until its expiry day
/// (inclusive) as of the inventory's collection date, expired after. The first matching
/// rule wins.
fn apply_suppressions(inventory: &Inventory, settings: &Settings, findings: &mut [Finding]) {
    use time::format_description::well_known::Rfc3339;
    let today = inventory
        .collected_at
        .as_deref()
        .and_then(|t| time::OffsetDateTime::parse(t, &Rfc3339).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
        .date();
    for f in findings
        .iter_mut()
        .filter(|f| f.status == auditor_model::Status::Fail)
    {
        if let Some(rule) = settings.suppressions.iter().find(|r| {
            r.code.eq_ignore_ascii_case(&f.code)
                && auditor_model::ecr::filter_matches(&r.resource, &f.resource.arn)
        }) {
            f.suppression = Some(Box::new(auditor_model::Suppression {
                reason: rule.reason.clone(),
                owner: rule.owner.clone(),
                expires: rule.expires.to_string(),
                expired: rule.expires < today,
            }));
        }
    }
}

/// The Terraform state access matrix of each state bucket of the inventory.
pub fn state_access(inventory: &Inventory, settings: &Settings) -> StateAccess {
    let memo = Memo::default();
    let ctx = CheckContext {
        inventory,
        settings,
        memo: &memo,
    };
    s3::access::matrices(&ctx)
}

/// Runs one check, whatever the inventory's services and the disabled list say.
pub fn run_check(check: &dyn Check, inventory: &Inventory, settings: &Settings) -> Vec<Finding> {
    let memo = Memo::default();
    let ctx = CheckContext {
        inventory,
        settings,
        memo: &memo,
    };
    let mut findings = Vec::new();
    run_into(check, &ctx, &mut findings);
    findings
}

fn run_into(check: &dyn Check, ctx: &CheckContext<'_>, findings: &mut Vec<Finding>) {
    let meta = check.meta();
    let severity = ctx
        .settings
        .severity_overrides
        .get(meta.code)
        .copied()
        .unwrap_or(meta.severity);
    let first = findings.len();
    let mut out = Emitter::new(meta, severity, findings);
    check.run(ctx, &mut out);
    // A resource that vanished with a gap (a bucket the discovery could not look into) is
    // "not assessed" by every check it costs, unless the check reported on it itself: a
    // finding it would have given is never silently missing (and history keeps it open).
    for gap in ctx.inventory.gaps.iter().filter(|g| meta.costed_by(g)) {
        let Some(arn) = gap.resource.as_deref() else {
            continue;
        };
        if out.reported_on(first, arn) {
            continue;
        }
        out.not_assessed(resource_of(ctx, arn, gap.region.as_deref()), gap);
    }
}

/// The resource an ARN names, for a finding about it.
fn resource_of(ctx: &CheckContext<'_>, arn: &str, region: Option<&str>) -> auditor_model::Resource {
    let tail = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    let (kind, id) = match tail.split_once('/') {
        Some((k, id)) => (k.to_owned(), id.to_owned()),
        None if arn.starts_with("arn:") && arn.split(':').nth(2) == Some("s3") => {
            ("bucket".to_owned(), tail.to_owned())
        }
        None => (String::new(), tail.to_owned()),
    };
    auditor_model::Resource {
        arn: arn.to_owned(),
        account: ctx.inventory.account_id.as_str().into(),
        region: region.map(Into::into),
        kind: kind.into(),
        id,
        name: None,
    }
}

/// Codes of the checks [`run_all`] runs for this inventory and these settings.
pub fn codes_run(inventory: &Inventory, settings: &Settings) -> Vec<&'static str> {
    codes_for(&inventory.services, settings)
}

/// What the checks that run for the audited services read, from their metadata (the one
/// place a check says what it reads): the services whose data to collect (the audited ones,
/// and those their `reads` name, such as EC2 and IAM for EKS checks), and whether the
/// account's organisation is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reads {
    /// Services to collect, in [`Service::IMPLEMENTED`] order.
    pub services: Vec<Service>,
    /// Whether a check reads `organizations:DescribeOrganization`.
    pub organization: bool,
}

/// [`Reads`] of the checks that run when `audited` services are audited with `settings`.
pub fn reads(audited: &[Service], settings: &Settings) -> Reads {
    let mut services: Vec<Service> = audited.to_vec();
    let mut organization = false;
    for code in codes_for(audited, settings) {
        let Some(check) = by_code(code) else { continue };
        for api in check.meta().reads {
            let prefix = api.split(':').next().unwrap_or_default();
            if prefix == "organizations" {
                organization = true;
            } else if let Some(s) = Service::of_action_prefix(prefix) {
                if !services.contains(&s) {
                    services.push(s);
                }
            }
        }
    }
    services.sort_by_key(|s| Service::IMPLEMENTED.iter().position(|x| x == s));
    Reads {
        services,
        organization,
    }
}

/// Codes of the checks that run when `services` are audited with `settings`.
pub fn codes_for(services: &[Service], settings: &Settings) -> Vec<&'static str> {
    CHECKS
        .iter()
        .map(|c| c.meta())
        .filter(|m| {
            services.contains(&m.service)
                && (!crate::OPT_IN_CHECKS.iter().any(|(c, _)| *c == m.code)
                    || settings
                        .opt_in
                        .iter()
                        .any(|o| o.eq_ignore_ascii_case(m.code)))
                && !settings
                    .disabled
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(m.code))
        })
        .map(|m| m.code)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let codes: Vec<&str> = CHECKS.iter().map(|c| c.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            codes, sorted,
            "codes must be unique and sorted in the table"
        );
        for c in CHECKS {
            let m = c.meta();
            let (svc, num) = m.code.split_once('-').expect("code has a dash");
            assert_eq!(svc, m.service.as_str().to_ascii_uppercase(), "{}", m.code);
            assert!(
                num.len() == 3 && num.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                m.code
            );
        }
    }

    #[test]
    fn each_check_lives_in_the_file_named_after_it() {
        // CONTRIBUTING: `crates/auditor-checks/src/<service>/<name_with_underscores>.rs`.
        for c in CHECKS {
            let m = c.meta();
            let want = format!("src/{}/{}.rs", m.service.as_str(), m.name.replace('-', "_"));
            assert!(
                m.file.replace('\\', "/").ends_with(&want),
                "{} ({}) is declared in {}, not {want}",
                m.code,
                m.name,
                m.file
            );
        }
    }

    #[test]
    fn every_declared_check_is_in_the_table() {
        // A check file's module is declared by the build script; forgetting its registry
        // line would leave it compiled but never run.
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut declared = Vec::new();
        for dir in std::fs::read_dir(&src).expect("src") {
            let dir = dir.expect("entry").path();
            if !dir.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&dir).expect("service dir") {
                let path = file.expect("entry").path();
                let text = std::fs::read_to_string(&path).expect("source");
                if text.contains("\ndeclare_check! {") {
                    declared.push(path.display().to_string());
                }
            }
        }
        let registered: Vec<&str> = CHECKS.iter().map(|c| c.meta().file).collect();
        for path in &declared {
            assert!(
                registered
                    .iter()
                    .any(|f| path.ends_with(f.trim_start_matches("./"))
                        || f.ends_with(path.as_str())),
                "{path} declares a check that registry.rs does not list"
            );
        }
        assert_eq!(declared.len(), CHECKS.len());
    }

    #[test]
    fn names_are_unique_kebab_case() {
        let mut names: Vec<&str> = CHECKS.iter().map(|c| c.meta().name).collect();
        for n in &names {
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{n}"
            );
        }
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate check names");
    }

    #[test]
    fn every_wa_id_is_in_the_catalog() {
        for c in CHECKS {
            let m = c.meta();
            assert!(!m.wa.is_empty(), "{} has no WA id", m.code);
            for id in m.wa {
                assert!(
                    catalog().get(id).is_some(),
                    "{}: {id} is not in the catalog",
                    m.code
                );
            }
        }
    }

    #[test]
    fn fsbp_ids_are_security_hub_control_ids() {
        for c in CHECKS {
            for id in c.meta().fsbp {
                let (svc, n) = id.split_once('.').expect("SERVICE.N");
                assert!(
                    !svc.is_empty()
                        && svc.chars().all(|ch| ch.is_ascii_alphanumeric())
                        && n.parse::<u16>().is_ok(),
                    "{}: {id} is not a Security Hub control id",
                    c.meta().code
                );
            }
        }
    }

    #[test]
    fn remediation_placeholders_are_the_resources_or_named_user_values() {
        // A resource placeholder is filled per finding; anything else in angle brackets is
        // a value only the user knows (their key's ARN, their log bucket). A misspelt
        // resource placeholder (`<sg>`, `<repo>`) would stay unfilled in every finding.
        const USER_VALUES: &[&str] = &[
            "key arn",
            "log bucket",
            "issuer",
            "namespace",
            "service-account",
            "team",
            "prefix",
            "service",
            "new version",
        ];
        for c in CHECKS {
            let m = c.meta();
            let text = m.remediation();
            let mut rest = text.as_str();
            while let Some(open) = rest.find('<') {
                let after = &rest[open + 1..];
                let Some(close) = after.find('>') else { break };
                let token = &after[..close];
                if token
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-' || ch == ' ')
                {
                    assert!(
                        crate::RESOURCE_PLACEHOLDERS.contains(&token) || USER_VALUES.contains(&token),
                        "{}: remediation placeholder <{token}> is neither a resource's nor a named user value",
                        m.code
                    );
                }
                rest = &after[close..];
            }
        }
    }

    #[test]
    fn remediation_fills_only_values_safe_in_a_shell_command() {
        let r = |id: &str| auditor_model::Resource {
            arn: format!("arn:aws:ec2:eu-west-1:111122223333:security-group/{id}"),
            account: "111122223333".into(),
            region: Some("eu-west-1".into()),
            kind: "security-group".into(),
            id: id.into(),
            name: None,
        };
        let t =
            "aws ec2 revoke-security-group-ingress --region <region> --group-id <security-group>";
        assert_eq!(
            crate::fill_remediation(t, &r("sg-0abc")),
            "aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0abc"
        );
        // From a doctored saved inventory: left as the placeholder.
        assert!(crate::fill_remediation(t, &r("sg-1;curl x|sh")).contains("<security-group>"));
        assert!(crate::fill_remediation(t, &r("*")).contains("<security-group>"));
    }

    #[test]
    fn every_check_has_its_doc_sections() {
        for c in CHECKS {
            let m = c.meta();
            for h in [
                "What it checks",
                "Why it matters",
                "Remediation",
                "References",
            ] {
                let body = m.section(h);
                assert!(
                    body.as_deref().is_some_and(|b| !b.is_empty()),
                    "{}: missing or empty `## {h}`",
                    m.code
                );
            }
            assert!(
                !m.reads.is_empty(),
                "{}: says nothing of the APIs it reads",
                m.code
            );
            assert!(
                m.reads.iter().all(|r| r.contains(':')),
                "{}: reads are IAM actions",
                m.code
            );
        }
    }

    /// The least-privilege policy shipped for the audit role grants every API a check reads,
    /// and region discovery; a new check that reads a new API must extend it.
    #[test]
    fn shipped_iam_policy_grants_every_api_the_checks_read() {
        let text = include_str!("../../../config/iam/auditor-readonly-policy.json");
        let policy: serde_json::Value = serde_json::from_str(text).expect("policy is JSON");
        let granted: Vec<String> = policy["Statement"]
            .as_array()
            .expect("statements")
            .iter()
            .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect();
        let mut needed: Vec<&str> = CHECKS
            .iter()
            .flat_map(|c| c.meta().reads.iter().copied())
            .collect();
        needed.push("ec2:DescribeRegions");
        for api in needed {
            assert!(
                granted.iter().any(|g| g == api),
                "config/iam/auditor-readonly-policy.json lacks {api}"
            );
        }
        // Reads only; GenerateCredentialReport asks IAM to refresh a report and creates nothing.
        let read_only = |a: &String| {
            a == "iam:GenerateCredentialReport"
                || a.split(':')
                    .nth(1)
                    .is_some_and(|n| ["Describe", "List", "Get"].iter().any(|p| n.starts_with(p)))
        };
        assert!(
            granted.iter().all(read_only),
            "the audit policy grants only reads: {granted:?}"
        );
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(by_code("ec2-002").map(|c| c.meta().code), Some("EC2-002"));
        assert!(by_code("EC2-999").is_none());
    }
}
