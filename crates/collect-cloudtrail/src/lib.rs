//! The CloudTrail collector: the trails that apply in each region (`DescribeTrails` with
//! shadow trails), and, in each trail's home region only, its status (`GetTrailStatus`), what
//! it records (`GetEventSelectors`, basic or advanced) and its delivery bucket's public
//! access (`collect_s3::public_access`: `s3:GetBucketLocation`, then in the bucket's region
//! `s3:GetBucketPolicyStatus` and `s3:GetBucketPublicAccessBlock`, once per bucket). An organisation trail seen from a member account
//! is listed with its owner; its selectors and bucket are the owner's to read.
//!
//! Architecture invariant: SDK types stop here (see `auditor_model::cloudtrail`). Calls are
//! `Describe*`/`Get*` only.
#![deny(missing_docs)]

use auditor_model::cloudtrail::{
    CloudTrailRegion, EventSelectors, Trail, TrailBucket, TrailStatus,
};
use auditor_model::{Collected, Gap};
use aws_config::SdkConfig;
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, ReadWriteType};
use aws_sdk_cloudtrail::Client;

/// The service name used in coverage gaps.
pub const SERVICE: &str = "cloudtrail";

/// Collects one region of `account`. Never fails: an API that fails becomes a gap.
pub async fn collect_region(cfg: &SdkConfig, account: &str, region: &str) -> CloudTrailRegion {
    collect_region_with(&Client::new(cfg), cfg, account, region).await
}

/// [`collect_region`] with a given CloudTrail client (tests give a mocked one); `cfg` makes
/// the S3 clients that read the trails' buckets.
pub async fn collect_region_with(
    c: &Client,
    cfg: &SdkConfig,
    account: &str,
    region: &str,
) -> CloudTrailRegion {
    CloudTrailRegion {
        trails: Collected::from_result(trails(cfg, c, account, region).await),
    }
}

async fn trails(
    cfg: &SdkConfig,
    c: &Client,
    account: &str,
    region: &str,
) -> Result<Vec<Trail>, Gap> {
    let r = Some(region);
    let out = c
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| auditor_aws::gap(SERVICE, r, "cloudtrail:DescribeTrails", &e))?;
    let mut trails = Vec::new();
    // Trails often share one bucket: each is read once.
    let mut buckets: std::collections::BTreeMap<String, Result<TrailBucket, Gap>> =
        std::collections::BTreeMap::new();
    for t in out.trail_list() {
        let (Some(arn), Some(name)) = (t.trail_arn(), t.name()) else {
            continue;
        };
        let home = t.home_region().unwrap_or(region).to_owned();
        let has_custom = t.has_custom_event_selectors().unwrap_or(false);
        // An organisation trail seen from a member account belongs to the management
        // account: its selectors and bucket are that account's to read.
        let owner = arn.split(':').nth(4).unwrap_or(account);
        let mut trail = Trail {
            arn: arn.to_owned(),
            name: name.to_owned(),
            home_region: home.clone(),
            multi_region: t.is_multi_region_trail().unwrap_or(false),
            organization: t.is_organization_trail().unwrap_or(false),
            owner: (owner != account).then(|| owner.to_owned()),
            log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
            kms_key_id: t.kms_key_id().map(str::to_owned),
            s3_bucket: t.s3_bucket_name().map(str::to_owned),
            status: None,
            selectors: None,
            bucket: None,
        };
        // A shadow of another region's trail is read in full there.
        if home == region {
            let own = trail.owner.is_none();
            let (status, selectors) = futures::join!(
                async {
                    c.get_trail_status()
                        .name(arn)
                        .send()
                        .await
                        .map(|s| TrailStatus {
                            is_logging: s.is_logging().unwrap_or(false),
                        })
                        .map_err(|e| auditor_aws::gap(SERVICE, r, "cloudtrail:GetTrailStatus", &e))
                },
                async {
                    if !own {
                        return None;
                    }
                    Some(
                        c.get_event_selectors()
                            .trail_name(arn)
                            .send()
                            .await
                            .map(|s| {
                                selectors(
                                    s.event_selectors(),
                                    s.advanced_event_selectors(),
                                    has_custom,
                                )
                            })
                            .map_err(|e| {
                                auditor_aws::gap(SERVICE, r, "cloudtrail:GetEventSelectors", &e)
                            }),
                    )
                },
            );
            trail.status = Some(Collected::from_result(status));
            trail.selectors = selectors.map(Collected::from_result);
            if let (Some(b), true) = (&trail.s3_bucket, own) {
                if !buckets.contains_key(b) {
                    let read = bucket_access(cfg, region, b).await;
                    buckets.insert(b.clone(), read);
                }
                trail.bucket = buckets.get(b).cloned().map(Collected::from_result);
            }
        }
        trails.push(trail);
    }
    Ok(trails)
}

/// What a trail records. With neither kind of selector on a trail without custom ones,
/// CloudTrail's default: every management event (AWS answers with that default selector;
/// an emulator may answer nothing).
fn selectors(
    basic: &[EventSelector],
    advanced: &[AdvancedEventSelector],
    has_custom: bool,
) -> EventSelectors {
    let mut out = EventSelectors::default();
    if basic.is_empty() && advanced.is_empty() {
        out.management_events = !has_custom;
        return out;
    }
    for s in basic {
        let all = s.read_write_type().is_none_or(|t| *t == ReadWriteType::All);
        // Management events left out by source (KMS, RDS Data API) are not all of them.
        if s.include_management_events().unwrap_or(true)
            && all
            && s.exclude_management_event_sources().is_empty()
        {
            out.management_events = true;
        }
        for d in s.data_resources() {
            if d.r#type() != Some("AWS::S3::Object") {
                continue;
            }
            let list = if all {
                &mut out.s3_data
            } else {
                &mut out.s3_data_partial
            };
            list.extend(d.values().iter().cloned());
        }
    }
    for s in advanced {
        let field = |name: &str| s.field_selectors().iter().find(|f| f.field() == name);
        let equals = |name: &str| field(name).map(|f| f.equals().to_vec()).unwrap_or_default();
        let category = equals("eventCategory");
        // Any narrowing beyond category, type and ARN prefix (read-only, event names, ARNs
        // left out) records only part of the events.
        let narrowed = s.field_selectors().iter().any(|f| {
            !matches!(
                f.field(),
                "eventCategory" | "resources.type" | "resources.ARN"
            )
        }) || field("resources.ARN").is_some_and(|f| {
            !f.not_equals().is_empty()
                || !f.not_starts_with().is_empty()
                || !f.not_ends_with().is_empty()
                || !f.ends_with().is_empty()
        });
        if category.iter().any(|c| c == "Management") {
            if !narrowed {
                out.management_events = true;
            }
            continue;
        }
        if !(category.iter().any(|c| c == "Data")
            && equals("resources.type")
                .iter()
                .any(|t| t == "AWS::S3::Object"))
        {
            continue;
        }
        // `StartsWith` prefixes cover every object under them; an `Equals` names single
        // object ARNs, which cover no bucket whole.
        let (prefixes, exact): (Vec<String>, Vec<String>) = match field("resources.ARN") {
            None => (vec!["arn:".to_owned()], Vec::new()),
            Some(f) => (f.starts_with().to_vec(), f.equals().to_vec()),
        };
        out.s3_data_partial.extend(exact);
        if narrowed {
            out.s3_data_partial.extend(prefixes);
        } else {
            out.s3_data.extend(prefixes);
        }
    }
    out
}

/// The trail bucket's public access, read by the S3 collector in the bucket's own region.
async fn bucket_access(cfg: &SdkConfig, region: &str, bucket: &str) -> Result<TrailBucket, Gap> {
    let (policy_public, block) = collect_s3::public_access(cfg, region, bucket).await?;
    Ok(TrailBucket {
        policy_public,
        public_access_blocked: block.is_some_and(|b| b.all_on()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::{AdvancedFieldSelector, DataResource};

    fn field(name: &str, equals: &[&str], starts: &[&str]) -> AdvancedFieldSelector {
        AdvancedFieldSelector::builder()
            .field(name)
            .set_equals((!equals.is_empty()).then(|| equals.iter().map(|s| (*s).into()).collect()))
            .set_starts_with(
                (!starts.is_empty()).then(|| starts.iter().map(|s| (*s).into()).collect()),
            )
            .build()
            .expect("field")
    }

    #[test]
    fn what_a_trail_records_from_its_selectors() {
        // None at all: CloudTrail's default, management events only.
        let s = selectors(&[], &[], false);
        assert!(s.management_events && s.s3_data.is_empty());
        // None, on a trail that has custom selectors: nothing is recorded.
        assert!(!selectors(&[], &[], true).management_events);
        // Basic: management events, and S3 data events of one bucket, read and write.
        let basic = EventSelector::builder()
            .read_write_type(ReadWriteType::All)
            .include_management_events(true)
            .data_resources(
                DataResource::builder()
                    .r#type("AWS::S3::Object")
                    .values("arn:aws:s3:::tfstate/")
                    .build(),
            )
            .build();
        let s = selectors(&[basic], &[], true);
        assert!(s.management_events);
        assert!(s.covers_s3_bucket("aws", "tfstate") && !s.covers_s3_bucket("aws", "other"));
        // Read-only data events do not cover a bucket.
        let ro = EventSelector::builder()
            .read_write_type(ReadWriteType::ReadOnly)
            .include_management_events(false)
            .data_resources(
                DataResource::builder()
                    .r#type("AWS::S3::Object")
                    .values("arn:aws:s3")
                    .build(),
            )
            .build();
        let s = selectors(&[ro], &[], true);
        assert!(!s.management_events && !s.covers_s3_bucket("aws", "tfstate"));
        // Advanced: every S3 object (no ARN selector), and a prefix of bucket names.
        let all = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Data"], &[]))
            .field_selectors(field("resources.type", &["AWS::S3::Object"], &[]))
            .build()
            .expect("selector");
        assert!(selectors(&[], &[all], true).covers_s3_bucket("aws", "anything"));
        let some = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Data"], &[]))
            .field_selectors(field("resources.type", &["AWS::S3::Object"], &[]))
            .field_selectors(field("resources.ARN", &[], &["arn:aws:s3:::tfstate-"]))
            .build()
            .expect("selector");
        let s = selectors(&[], &[some], true);
        assert!(s.covers_s3_bucket("aws", "tfstate-prod") && !s.covers_s3_bucket("aws", "logs"));
        assert!(
            !s.management_events,
            "advanced selectors without Management record none"
        );
        let ro = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Data"], &[]))
            .field_selectors(field("resources.type", &["AWS::S3::Object"], &[]))
            .field_selectors(field("readOnly", &["true"], &[]))
            .build()
            .expect("selector");
        assert!(!selectors(&[], &[ro], true).covers_s3_bucket("aws", "tfstate"));
        // One object ARN by `Equals` covers no bucket whole.
        let one = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Data"], &[]))
            .field_selectors(field("resources.type", &["AWS::S3::Object"], &[]))
            .field_selectors(field("resources.ARN", &["arn:aws:s3:::tfstate/"], &[]))
            .build()
            .expect("selector");
        assert!(!selectors(&[], &[one], true).covers_s3_bucket("aws", "tfstate"));
    }
}
