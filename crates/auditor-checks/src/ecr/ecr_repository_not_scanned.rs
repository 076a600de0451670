//! ECR-002: neither scan on push nor registry scanning covers a repository.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ecr::filter_matches;

declare_check! {
    /// ## What it checks
    /// Whether images pushed to each repository get scanned for vulnerabilities. With
    /// **enhanced** registry scanning (Amazon Inspector), a registry rule with frequency
    /// `SCAN_ON_PUSH` or `CONTINUOUS_SCAN` whose filter matches the repository name covers
    /// it; the repository-level setting is ignored then, as AWS ignores it. With **basic**
    /// scanning, the repository's own `scanOnPush`, or a registry `SCAN_ON_PUSH` rule that
    /// matches it, covers it. Anything else fails. When the registry configuration could not
    /// be read, a repository with `scanOnPush` on still passes; one without is not assessed.
    ///
    /// ## Why it matters
    /// Unscanned images reach the cluster with whatever known CVEs they carry, and nobody
    /// learns of them. The Amazon EKS security checklist and the EKS GitOps security guide ask for scanning of every image in the registry.
    ///
    /// ## Remediation
    /// Prefer enhanced continuous scanning for all repositories:
    /// `aws ecr put-registry-scanning-configuration --region <region> --scan-type ENHANCED --rules
    /// '[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]}]'`.
    /// At least, turn on scan on push: `aws ecr put-image-scanning-configuration
    /// --region <region> --repository-name <repository> --image-scanning-configuration scanOnPush=true`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html
    pub(crate) struct RepositoryNotScanned {
        code: "ECR-002",
        name: "ecr-repository-not-scanned",
        title: "ECR repository images are not scanned for vulnerabilities",
        service: Ecr,
        severity: Medium,
        wa: ["SEC06-BP01"],
        fsbp: ["ECR.1"],
        reads: ["ecr:DescribeRepositories", "ecr:GetRegistryScanningConfiguration"],
    }
}

impl Check for RepositoryNotScanned {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_repo(ctx, out, |region, data, repo, out| {
            let res = super::repo_resource(ctx, region, repo);
            let name = &repo.repository_name;
            let scanning = match data.registry_scanning.get() {
                Ok(s) => s,
                Err(_) if repo.scan_on_push => {
                    return out.pass(
                        res,
                        vec![ev(
                            "imageScanningConfiguration.scanOnPush",
                            "true",
                            "images are scanned when pushed",
                        )],
                    );
                }
                Err(gap) => return out.not_assessed(res, gap),
            };
            let enhanced = scanning.scan_type.eq_ignore_ascii_case("ENHANCED");
            let rule = scanning.rules.iter().enumerate().find_map(|(i, r)| {
                let usable = match r.scan_frequency.as_str() {
                    "CONTINUOUS_SCAN" => enhanced,
                    "SCAN_ON_PUSH" => true,
                    _ => false,
                };
                let filter = r
                    .repository_filters
                    .iter()
                    .find(|f| filter_matches(f, name))?;
                usable.then(|| (i, r.scan_frequency.clone(), filter.clone()))
            });
            match (rule, enhanced, repo.scan_on_push) {
                (Some((i, freq, filter)), _, _) => out.pass(
                    res,
                    vec![ev(
                        format!("registryScanningConfiguration.rules[{i}]"),
                        format!("{} {freq} for filter {filter}", scanning.scan_type),
                        "a registry rule scans this repository",
                    )],
                ),
                (None, false, true) => out.pass(
                    res,
                    vec![ev("imageScanningConfiguration.scanOnPush", "true", "basic scanning on push")],
                ),
                (None, true, _) => out.fail(
                    res,
                    vec![ev(
                        "registryScanningConfiguration.rules",
                        format!("ENHANCED, {} rule(s), none matching {name}", scanning.rules.len()),
                        "with enhanced scanning only registry rules scan; this repository is not covered",
                    )],
                ),
                (None, false, false) => out.fail(
                    res,
                    vec![
                        ev("imageScanningConfiguration.scanOnPush", "false", "pushed images are not scanned"),
                        ev(
                            "registryScanningConfiguration.rules",
                            format!("BASIC, {} rule(s), none scanning {name} on push", scanning.rules.len()),
                            "no registry rule covers it either",
                        ),
                    ],
                ),
            }
        });
    }
}
