//! JWT bearer tokens and the roles of SPEC §7.

use std::fmt;
use std::str::FromStr;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Reporter,
    Support,
    Billing,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Viewer,
        Role::Reporter,
        Role::Support,
        Role::Billing,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reporter => "reporter",
            Role::Support => "support",
            Role::Billing => "billing",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role `{s}`: one of viewer, reporter, support, billing, admin")
            })
    }
}

/// What a route demands of its caller (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token: health probes.
    Public,
    /// Every role.
    Read,
    /// Create and change incidents.
    Incidents,
    /// Approve, void and add manual credits.
    Support,
    /// Mark credits applied (support and billing both may).
    Apply,
    /// Credit runs and exports.
    Billing,
    /// Catalog and audit log.
    Admin,
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Read => true,
            Access::Incidents => matches!(role, Role::Reporter | Role::Admin),
            Access::Support => matches!(role, Role::Support | Role::Admin),
            Access::Apply => matches!(role, Role::Support | Role::Billing | Role::Admin),
            Access::Billing => matches!(role, Role::Billing | Role::Admin),
            Access::Admin => role == Role::Admin,
        }
    }
}

/// Who is calling: the token's subject and role, and the request it came with. Every audit entry
/// carries all three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub subject: String,
    pub role: Role,
    /// The HTTP request's id; none from the command line.
    pub request_id: Option<String>,
}

impl Caller {
    /// A caller outside any HTTP request (the command line, benchmarks).
    pub fn local(subject: impl Into<String>, role: Role) -> Caller {
        Caller {
            subject: subject.into(),
            role,
            request_id: None,
        }
    }
}

/// What `mint` signs.
#[derive(Debug, Serialize)]
struct Claims {
    sub: String,
    role: String,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
}

/// What a verified token must carry beyond the claims `jsonwebtoken` checks (`exp`, `nbf`, `iss`,
/// `aud`), which may take any shape the JWT standard allows, such as an `aud` list.
#[derive(Debug, Deserialize)]
struct Verified {
    sub: String,
    role: String,
}

/// Why a token was refused: 401 for a token that proves nothing, 403 for a role it lacks.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
}

/// The keys that verify (and, with a secret, mint) tokens.
pub struct Keys {
    secret: Option<Vec<u8>>,
    public: Option<(DecodingKey, Algorithm)>,
    issuer: Option<String>,
    audience: Option<String>,
}

impl Keys {
    /// `public_pem` is an RSA or EC (P-256) public key; a secret enables HS256.
    pub fn new(
        secret: Option<&str>,
        public_pem: Option<&[u8]>,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> Result<Keys, String> {
        let public = match public_pem {
            None => None,
            Some(pem) => Some(
                DecodingKey::from_rsa_pem(pem)
                    .map(|k| (k, Algorithm::RS256))
                    .or_else(|_| DecodingKey::from_ec_pem(pem).map(|k| (k, Algorithm::ES256)))
                    .map_err(|e| {
                        format!("the public key is neither an RSA nor an EC PEM key: {e}")
                    })?,
            ),
        };
        let secret = secret
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes().to_vec());
        if secret.is_none() && public.is_none() {
            return Err("no JWT key: set SLA_JWT_SECRET (HS256) or SLA_JWT_PUBLIC_KEY_FILE (RS256/ES256 PEM)".into());
        }
        Ok(Keys {
            secret,
            public,
            issuer,
            audience,
        })
    }

    /// Checks a bearer token and that its role may do `access`.
    pub fn authorize(&self, token: &str, access: Access) -> Result<Caller, AuthError> {
        let caller = self.verify(token)?;
        if access.allows(caller.role) {
            Ok(caller)
        } else {
            Err(AuthError::Forbidden(format!(
                "role `{}` may not do this",
                caller.role
            )))
        }
    }

    fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let unauthenticated = |why: String| AuthError::Unauthenticated(why);
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| unauthenticated(format!("malformed token: {e}")))?;
        let key = match header.alg {
            Algorithm::HS256 => self.secret.as_ref().map(|s| DecodingKey::from_secret(s)),
            alg => self
                .public
                .as_ref()
                .filter(|(_, expected)| *expected == alg)
                .map(|(k, _)| k.clone()),
        }
        .ok_or_else(|| {
            unauthenticated(format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            ))
        })?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = 0;
        validation.validate_nbf = true;
        // A configured issuer or audience is required, not only checked when present.
        let mut required = vec!["exp", "sub"];
        required.extend(self.issuer.as_ref().map(|_| "iss"));
        required.extend(self.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        match &self.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let claims = jsonwebtoken::decode::<Verified>(token, &key, &validation)
            .map_err(|e| unauthenticated(format!("invalid token: {e}")))?
            .claims;
        if claims.sub.is_empty()
            || claims.sub.len() > 200
            || claims.sub.chars().any(char::is_control)
        {
            return Err(unauthenticated(
                "the token's `sub` must be 1 to 200 characters without control characters".into(),
            ));
        }
        let role = claims.role.parse::<Role>().map_err(AuthError::Forbidden)?;
        Ok(Caller::local(claims.sub, role))
    }

    /// Mints an HS256 token (the `token` command, and tests).
    pub fn mint(&self, subject: &str, role: Role, ttl_seconds: i64) -> Result<String, String> {
        let secret = self
            .secret
            .as_ref()
            .ok_or("minting needs SLA_JWT_SECRET (HS256)")?;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_owned(),
            role: role.as_str().to_owned(),
            iat: Some(now),
            exp: now + ttl_seconds,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys() -> Keys {
        Keys::new(Some("s3cret"), None, Some("me".into()), Some("sla".into())).unwrap()
    }

    #[test]
    fn roles_match_spec_table() {
        use Role::*;
        let allowed = |a: Access| {
            Role::ALL
                .into_iter()
                .filter(|r| a.allows(*r))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            allowed(Access::Read),
            vec![Viewer, Reporter, Support, Billing, Admin]
        );
        assert_eq!(allowed(Access::Incidents), vec![Reporter, Admin]);
        assert_eq!(allowed(Access::Support), vec![Support, Admin]);
        assert_eq!(allowed(Access::Apply), vec![Support, Billing, Admin]);
        assert_eq!(allowed(Access::Billing), vec![Billing, Admin]);
        assert_eq!(allowed(Access::Admin), vec![Admin]);
    }

    #[test]
    fn minted_tokens_verify() {
        let k = keys();
        let token = k.mint("alice", Role::Support, 60).unwrap();
        let caller = k.authorize(&token, Access::Support).unwrap();
        assert_eq!(caller, Caller::local("alice", Role::Support));
        assert!(matches!(
            k.authorize(&token, Access::Admin),
            Err(AuthError::Forbidden(_))
        ));
    }

    #[test]
    fn bad_tokens_are_unauthenticated() {
        let k = keys();
        let expired = k.mint("alice", Role::Admin, -10).unwrap();
        assert!(matches!(
            k.authorize(&expired, Access::Read),
            Err(AuthError::Unauthenticated(_))
        ));
        let other = Keys::new(Some("other"), None, Some("me".into()), Some("sla".into())).unwrap();
        let forged = other.mint("alice", Role::Admin, 60).unwrap();
        assert!(matches!(
            k.authorize(&forged, Access::Read),
            Err(AuthError::Unauthenticated(_))
        ));
        let wrong_aud =
            Keys::new(Some("s3cret"), None, Some("me".into()), Some("x".into())).unwrap();
        let token = wrong_aud.mint("alice", Role::Admin, 60).unwrap();
        assert!(matches!(
            k.authorize(&token, Access::Read),
            Err(AuthError::Unauthenticated(_))
        ));
        // alg none: header {"alg":"none"} and no signature.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhIiwicm9sZSI6ImFkbWluIiwiZXhwIjo5OTk5OTk5OTk5fQ.";
        assert!(matches!(
            k.authorize(none, Access::Read),
            Err(AuthError::Unauthenticated(_))
        ));
        assert!(matches!(
            k.authorize("garbage", Access::Read),
            Err(AuthError::Unauthenticated(_))
        ));
    }
}
