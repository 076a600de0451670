//! Loading the SDK configuration and opening a session in the audited account.

use crate::errors::AwsError;
use auditor_model::AccountId;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use std::time::{Duration, SystemTime};

/// How to reach AWS. Every client of every collector is built from the config these yield.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    /// A named profile from `~/.aws/config` (SSO profiles included); `None` uses the
    /// default chain (environment, web identity, container, instance).
    pub profile: Option<String>,
    /// Overrides every service endpoint (an emulator). `AWS_ENDPOINT_URL` is honoured too.
    pub endpoint_url: Option<String>,
    /// Attempts per call, including the first, under the SDK's adaptive retry.
    pub max_attempts: u32,
    /// Connect timeout: an unreachable endpoint fails after this, not after minutes.
    pub connect_timeout: Duration,
    /// Timeout of one whole operation, retries included.
    pub operation_timeout: Duration,
    /// Client-side rate limits per API family, each per account and region.
    pub rate_limits: crate::counting::RateLimits,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            profile: None,
            endpoint_url: None,
            max_attempts: 5,
            connect_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(120),
            rate_limits: crate::counting::RateLimits::default(),
        }
    }
}

/// Loads the base SDK configuration: credential chain, home region, endpoint, retry, timeouts.
///
/// The home region (for STS and region discovery) comes from the profile or environment,
/// else `us-east-1`.
pub async fn load_base_config(opts: &AwsOptions) -> SdkConfig {
    let mut region_chain = RegionProviderChain::default_provider();
    if let Some(p) = &opts.profile {
        region_chain = RegionProviderChain::first_try(
            aws_config::profile::ProfileFileRegionProvider::builder()
                .profile_name(p)
                .build(),
        )
        .or_else(RegionProviderChain::default_provider());
    }
    let region_chain = region_chain.or_else(Region::from_static("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region_chain)
        .retry_config(RetryConfig::adaptive().with_max_attempts(opts.max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(opts.connect_timeout)
                .operation_timeout(opts.operation_timeout)
                .build(),
        );
    if let Some(p) = &opts.profile {
        // As with the AWS CLI, a named profile wins over credentials in the environment.
        loader = loader.profile_name(p).credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .build(),
        );
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    // Every request of every client built from this config is rate limited and counted
    // (crate::counting),
    // through the HTTPS stack the SDK builds by default: hyper 1, rustls with aws-lc, the
    // proxy from HTTPS_PROXY/HTTP_PROXY/NO_PROXY.
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
    let https = Builder::new().build_with_connector_fn(|settings, components| {
        let mut conn = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        conn.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            conn.set_sleep_impl(c.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    });
    loader
        .http_client(crate::counting::wrap(https, opts.rate_limits.clone()))
        .load()
        .await
}

/// A confirmed session in the audited account.
#[derive(Debug, Clone)]
pub struct AccountSession {
    /// SDK configuration whose credentials act in [`AccountSession::account`].
    pub config: SdkConfig,
    /// The audited account, as confirmed by `sts:GetCallerIdentity`.
    pub account: AccountId,
    /// The ARN the audit acts as.
    pub caller_arn: String,
    /// The role assumed to get there, if any.
    pub assumed_role: Option<String>,
    /// `aws`, `aws-cn` or `aws-us-gov`, from the caller ARN.
    pub partition: String,
    /// Whether an endpoint override is in force (emulator): S3 then needs path-style.
    pub endpoint_overridden: bool,
}

impl AccountSession {
    /// The configuration for one region.
    pub fn for_region(&self, region: &str) -> SdkConfig {
        self.config
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build()
    }

    /// The home region (STS, global services).
    pub fn home_region(&self) -> String {
        self.config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into())
    }
}

struct Identity {
    account: String,
    arn: String,
}

async fn caller_identity(cfg: &SdkConfig) -> Result<Identity, AwsError> {
    const API: &str = "sts:GetCallerIdentity";
    let out = aws_sdk_sts::Client::new(cfg)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::call(API, None, &e))?;
    let missing = |field: &str| AwsError::Malformed {
        api: API.into(),
        field: field.into(),
    };
    Ok(Identity {
        account: out.account().ok_or_else(|| missing("Account"))?.to_owned(),
        arn: out.arn().ok_or_else(|| missing("Arn"))?.to_owned(),
    })
}

fn partition_of(arn: &str) -> String {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_owned()
}

/// How the audit role is assumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeOptions {
    /// The ExternalId its trust policy requires (`sts:ExternalId`), sent with every
    /// AssumeRole.
    pub external_id: Option<String>,
    /// How long each session lasts (`DurationSeconds`); it is renewed before it ends.
    pub session: Duration,
}

impl Default for AssumeOptions {
    fn default() -> Self {
        AssumeOptions {
            external_id: None,
            session: Duration::from_secs(3600),
        }
    }
}

/// The audit role's credentials, renewed by AssumeRole whenever the SDK's identity cache
/// finds them about to expire (its default buffer, before `Expiration`): an audit or a
/// daemon that outlives one session keeps working.
#[derive(Debug)]
struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    options: AssumeOptions,
    /// The credentials the session was opened with, handed out first.
    first: std::sync::Mutex<Option<Credentials>>,
}

impl AssumedRole {
    async fn assume(&self) -> Result<Credentials, AwsError> {
        const API: &str = "sts:AssumeRole";
        let out = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name("auditor")
            .set_external_id(self.options.external_id.clone())
            .duration_seconds(i32::try_from(self.options.session.as_secs()).unwrap_or(3600))
            .send()
            .await
            .map_err(|e| {
                AwsError::call(API, Some(&format!("cannot assume {}", self.role_arn)), &e)
            })?;
        let c = out.credentials().ok_or_else(|| AwsError::Malformed {
            api: API.into(),
            field: "Credentials".into(),
        })?;
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            SystemTime::try_from(*c.expiration()).ok(),
            "auditor-assume-role",
        ))
    }
}

impl aws_credential_types::provider::ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let first = self.first.lock().unwrap_or_else(|e| e.into_inner()).take();
            match first {
                Some(c) => Ok(c),
                None => self.assume().await.map_err(|e| {
                    aws_credential_types::provider::error::CredentialsError::provider_error(
                        e.to_string(),
                    )
                }),
            }
        })
    }
}

/// Opens a session in `target`: confirms the caller, assumes `role_name` in `target` when
/// the caller is elsewhere (with the ExternalId and session length of `assume`, renewed
/// before each session ends), and confirms again that the credentials act in `target`.
pub async fn open_account(
    base: &SdkConfig,
    target: &AccountId,
    role_name: &str,
    assume: &AssumeOptions,
) -> Result<AccountSession, AwsError> {
    let endpoint_overridden = base.endpoint_url().is_some();
    let me = caller_identity(base).await?;
    if me.account == target.as_str() {
        return Ok(AccountSession {
            config: base.clone(),
            account: target.clone(),
            partition: partition_of(&me.arn),
            caller_arn: me.arn,
            assumed_role: None,
            endpoint_overridden,
        });
    }

    let role_arn = format!(
        "arn:{}:iam::{}:role/{}",
        partition_of(&me.arn),
        target,
        role_name
    );
    let role = AssumedRole {
        sts: aws_sdk_sts::Client::new(base),
        role_arn: role_arn.clone(),
        options: assume.clone(),
        first: std::sync::Mutex::new(None),
    };
    // Assumed once here, so that a refusal is this call's error with its hint.
    let first = role.assume().await?;
    *role.first.lock().unwrap_or_else(|e| e.into_inner()) = Some(first);
    let config = base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(role))
        .build();
    let now = caller_identity(&config).await?;
    verify_account(target, &now.account, &now.arn)?;
    Ok(AccountSession {
        config,
        account: target.clone(),
        partition: partition_of(&now.arn),
        caller_arn: now.arn,
        assumed_role: Some(role_arn),
        endpoint_overridden,
    })
}

/// The auditor audits the account asked for and no other.
fn verify_account(expected: &AccountId, actual: &str, arn: &str) -> Result<(), AwsError> {
    if actual == expected.as_str() {
        Ok(())
    } else {
        Err(AwsError::WrongAccount {
            expected: expected.to_string(),
            actual: actual.to_owned(),
            arn: arn.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_another_account() {
        let want: AccountId = "111122223333".parse().unwrap();
        assert!(verify_account(&want, "111122223333", "arn").is_ok());
        let err = verify_account(
            &want,
            "444455556666",
            "arn:aws:sts::444455556666:assumed-role/x/y",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("refusing to audit"), "{msg}");
        assert!(
            msg.contains("111122223333") && msg.contains("444455556666"),
            "{msg}"
        );
    }

    #[test]
    fn partition_comes_from_the_arn() {
        assert_eq!(partition_of("arn:aws-cn:sts::1:assumed-role/a/b"), "aws-cn");
        assert_eq!(partition_of("garbage"), "aws");
    }
}
