//! The parts of a request, read once: the action (lowercased), the resource ARN's
//! segments, and what kind of principal is calling.

use crate::context::Context;

/// An action, e.g. `s3:GetObject`, prepared for matching (AWS compares actions
/// case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Action {
    lower: Box<str>,
    colon: usize,
    kind: ServiceKind,
}

/// The services whose authorization has rules of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ServiceKind {
    /// `sts:GetCallerIdentity`: always allowed.
    CallerIdentity,
    /// Other `sts:` actions: a trust policy must allow explicitly.
    Sts,
    /// `kms:`: key policies must allow explicitly.
    Kms,
    /// `iam:`: AWS managed policies and reserved roles cannot be changed.
    Iam,
    Other,
}

impl Action {
    /// Reads `service:Action`; `None` when it has no service prefix.
    pub fn new(action: &str) -> Option<Action> {
        let lower = action.trim().to_ascii_lowercase();
        let colon = lower.find(':')?;
        if colon == 0 || colon + 1 == lower.len() || lower[colon + 1..].contains(':') {
            return None;
        }
        let kind = match &lower[..colon] {
            "sts" if &lower[colon + 1..] == "getcalleridentity" => ServiceKind::CallerIdentity,
            "sts" => ServiceKind::Sts,
            "kms" => ServiceKind::Kms,
            "iam" => ServiceKind::Iam,
            _ => ServiceKind::Other,
        };
        Some(Action {
            lower: lower.into(),
            colon,
            kind,
        })
    }

    /// The service prefix, lowercase (`s3`).
    pub fn service(&self) -> &str {
        &self.lower[..self.colon]
    }

    /// The action name, lowercase (`getobject`).
    pub fn name(&self) -> &str {
        &self.lower[self.colon + 1..]
    }

    pub(crate) fn kind(&self) -> ServiceKind {
        self.kind
    }

    /// `service:name`, lowercase.
    pub fn as_str(&self) -> &str {
        &self.lower
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.lower)
    }
}

/// An ARN's six segments; `valid` is false for text that is not an ARN.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArnParts<'a> {
    pub(crate) valid: bool,
    pub(crate) all: bool,
    /// `partition:service:region:account`, for comparing a literal head in one go.
    pub(crate) head: &'a str,
    pub(crate) partition: &'a str,
    pub(crate) service: &'a str,
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource: &'a str,
}

impl<'a> ArnParts<'a> {
    pub(crate) fn parse(arn: &'a str) -> ArnParts<'a> {
        // The five colons that delimit the six segments (the head of an ARN is short).
        let bytes = arn.as_bytes();
        let mut at = [0usize; 5];
        let mut found = 0;
        if bytes.len() > 4 && &bytes[..4] == b"arn:" {
            at[0] = 3;
            found = 1;
            let mut i = 4;
            while found < 5 {
                match bytes[i..].iter().position(|b| *b == b':') {
                    Some(p) => {
                        at[found] = i + p;
                        i += p + 1;
                        found += 1;
                    }
                    None => break,
                }
            }
        }
        if found < 5 {
            return ArnParts {
                valid: false,
                all: arn == "*",
                head: "",
                partition: "",
                service: "",
                region: "",
                account: "",
                resource: "",
            };
        }
        ArnParts {
            valid: true,
            all: false,
            head: &arn[4..at[4]],
            partition: &arn[at[0] + 1..at[1]],
            service: &arn[at[1] + 1..at[2]],
            region: &arn[at[2] + 1..at[3]],
            account: &arn[at[3] + 1..at[4]],
            resource: &arn[at[4] + 1..],
        }
    }
}

/// What kind of principal makes a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallerKind {
    /// No credentials at all.
    Anonymous,
    /// `arn:...:iam::<acct>:role/...`.
    Role,
    /// `arn:...:sts::<acct>:assumed-role/<role>/<session>`.
    AssumedRole,
    /// `arn:...:iam::<acct>:user/...`.
    User,
    /// `arn:...:sts::<acct>:federated-user/<name>`.
    FederatedUser,
    /// `arn:...:iam::<acct>:root`: the account's root user.
    Root,
    /// A service principal (`ec2.amazonaws.com`).
    Service,
    /// Anything else: an account root, an identity provider, a canonical user.
    Other,
}

/// The calling principal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub(crate) text: &'a str,
    pub(crate) kind: CallerKind,
    pub(crate) partition: &'a str,
    pub(crate) account: Option<&'a str>,
    /// For a role: its name; for a session: the role's name.
    pub(crate) role_name: &'a str,
}

impl<'a> Caller<'a> {
    pub(crate) fn parse(principal: Option<&'a str>) -> Caller<'a> {
        let Some(p) = principal else {
            return Caller {
                text: "",
                kind: CallerKind::Anonymous,
                partition: "",
                account: None,
                role_name: "",
            };
        };
        let arn = ArnParts::parse(p);
        if !arn.valid {
            let kind = if p.ends_with("amazonaws.com") {
                CallerKind::Service
            } else {
                CallerKind::Other
            };
            return Caller {
                text: p,
                kind,
                partition: "",
                account: None,
                role_name: "",
            };
        }
        let digits = arn.account.len() == 12 && arn.account.bytes().all(|b| b.is_ascii_digit());
        let (kind, role_name) = match (arn.service, arn.resource.split_once('/')) {
            ("iam", Some(("role", rest))) if digits => {
                (CallerKind::Role, rest.rsplit('/').next().unwrap_or(rest))
            }
            ("iam", Some(("user", _))) if digits => (CallerKind::User, ""),
            ("sts", Some(("assumed-role", rest))) if digits => (
                CallerKind::AssumedRole,
                rest.split('/').next().unwrap_or(""),
            ),
            ("sts", Some(("federated-user", _))) if digits => (CallerKind::FederatedUser, ""),
            ("iam", None) if digits && arn.resource == "root" => (CallerKind::Root, ""),
            _ => (CallerKind::Other, ""),
        };
        Caller {
            text: p,
            kind,
            partition: arn.partition,
            account: (!arn.account.is_empty()).then_some(arn.account),
            role_name,
        }
    }

    /// The user ARN behind a federated-user session.
    pub(crate) fn federated_user_arn(&self) -> Option<String> {
        if self.kind != CallerKind::FederatedUser {
            return None;
        }
        let name = self.text.rsplit_once("federated-user/")?.1;
        Some(format!(
            "arn:{}:iam::{}:user/{name}",
            self.partition, self.account?
        ))
    }
}

/// One request: who asks to do what, on which resource, with which context.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The calling principal's ARN (an IAM role or user, an `assumed-role` session, an
    /// account root), a service principal (`ec2.amazonaws.com`), or `None` for an
    /// anonymous request.
    pub principal: Option<&'a str>,
    /// The action.
    pub action: &'a Action,
    /// The resource's ARN (`*` for actions that take no resource).
    pub resource: &'a str,
    /// The account that owns the resource; `None` means the principal's own account.
    pub resource_account: Option<&'a str>,
    /// The request context.
    pub context: &'a Context,
}

impl<'a> Request<'a> {
    /// A request by `principal` in its own account.
    pub fn new(
        principal: &'a str,
        action: &'a Action,
        resource: &'a str,
        context: &'a Context,
    ) -> Self {
        Request {
            principal: Some(principal),
            action,
            resource,
            resource_account: None,
            context,
        }
    }

    /// The same request against a resource owned by `account`.
    pub fn in_account(mut self, account: &'a str) -> Self {
        self.resource_account = Some(account);
        self
    }
}
