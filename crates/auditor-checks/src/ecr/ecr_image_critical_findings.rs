//! ECR-006: the newest image of a repository has CRITICAL or HIGH scan findings.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The most recently pushed image of every repository, and its scan findings summary
    /// (`DescribeImages` → `imageScanFindingsSummary.findingSeverityCounts`). It fails when
    /// the summary counts any `CRITICAL` or `HIGH` finding and passes when it counts none.
    /// An empty repository passes. An image with no completed scan is not assessed, with
    /// its scan status.
    ///
    /// ## Why it matters
    /// The newest image is the one the next deployment pulls. A critical or high CVE in it
    /// is a known, published way in. The EKS GitOps security guide asks that images with such findings do not
    /// ship.
    ///
    /// ## Remediation
    /// Rebuild on a patched base image and update the vulnerable packages; gate pushes in CI
    /// on the scan result (`aws ecr describe-image-scan-findings --region <region>
    /// --repository-name <repository> --image-id imageTag=...`), and turn on continuous
    /// scanning so findings published after the push are caught too.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html
    /// - https://docs.aws.amazon.com/inspector/latest/user/scanning-ecr.html
    pub(crate) struct ImageHasCriticalFindings {
        code: "ECR-006",
        name: "ecr-image-critical-findings",
        title: "Newest image in an ECR repository has CRITICAL or HIGH vulnerabilities",
        service: Ecr,
        severity: High,
        wa: ["SEC06-BP01"],
        reads: ["ecr:DescribeImages"],
    }
}

impl Check for ImageHasCriticalFindings {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_repo(ctx, out, |region, _, repo, out| {
            let res = super::repo_resource(ctx, region, repo);
            let image = match repo.newest_image.get() {
                Err(gap) => return out.not_assessed(res, gap),
                Ok(None) => {
                    return out.pass(
                        res,
                        vec![ev("imageDetails", "none", "the repository holds no image")],
                    )
                }
                Ok(Some(i)) => i,
            };
            let tag = image
                .image_tags
                .first()
                .map_or(image.image_digest.as_str(), String::as_str);
            let Some(counts) = &image.finding_severity_counts else {
                let status = image.scan_status.as_deref().unwrap_or("never scanned");
                return out.not_assessed_because(res, format!("the newest image ({tag}) has no scan findings summary (scan status: {status})"));
            };
            let n = |sev: &str| counts.get(sev).copied().unwrap_or(0);
            let (critical, high) = (n("CRITICAL"), n("HIGH"));
            let observed = format!("{tag}: {critical} CRITICAL, {high} HIGH");
            if critical + high > 0 {
                out.fail(res, vec![ev("imageScanFindingsSummary.findingSeverityCounts", observed, "the image the next deployment pulls has known critical or high vulnerabilities")]);
            } else {
                out.pass(
                    res,
                    vec![ev(
                        "imageScanFindingsSummary.findingSeverityCounts",
                        observed,
                        "no critical or high findings in the newest image",
                    )],
                );
            }
        });
    }
}
