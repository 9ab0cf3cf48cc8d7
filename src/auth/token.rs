//! Session tokens: JWT HS256 with the algorithm pinned, a `typ` claim and a
//! per-user version (`ver`) that logout and password changes bump, so every
//! older token stops working at once. Claims keep the original's names
//! (`userId`, `email`, `clientId`) so existing clients can still read them.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

pub const SESSION_DAYS: i64 = 7;
const TYP_ACCESS: &str = "access";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    #[serde(rename = "userId")]
    pub user_id: i64,
    #[serde(rename = "clientId")]
    pub client_id: i64,
    pub email: String,
    pub typ: String,
    pub ver: i64,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues an access token valid for [`SESSION_DAYS`] from `now` (unix seconds).
    pub fn issue(
        &self,
        user_id: i64,
        client_id: i64,
        email: &str,
        ver: i64,
        now: i64,
    ) -> Result<String, String> {
        let claims = Claims {
            user_id,
            client_id,
            email: email.to_string(),
            typ: TYP_ACCESS.into(),
            ver,
            iat: now,
            exp: now + SESSION_DAYS * 86_400,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Checks signature, algorithm, expiry (against `now`) and type.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, &'static str> {
        if token.len() > 4096 {
            return Err("token too long");
        }
        let mut validation = self.validation.clone();
        // Expiry is checked below against our clock, not the library's.
        validation.validate_exp = false;
        let data =
            decode::<Claims>(token, &self.decoding, &validation).map_err(|_| "invalid token")?;
        let c = data.claims;
        if c.typ != TYP_ACCESS {
            return Err("wrong token type");
        }
        if c.exp <= now {
            return Err("token expired");
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    const NOW: i64 = 1_800_000_000;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn round_trip() {
        let k = TokenKeys::new(&[7u8; 32]);
        let t = k.issue(1, 2, "a@b.co", 0, NOW).unwrap();
        let c = k.verify(&t, NOW + 10).unwrap();
        assert_eq!((c.user_id, c.client_id, c.ver), (1, 2, 0));
    }

    #[test]
    fn rejects_expired_foreign_and_unsigned() {
        let k = TokenKeys::new(&[7u8; 32]);
        let t = k.issue(1, 2, "a@b.co", 0, NOW).unwrap();
        assert!(k.verify(&t, NOW + SESSION_DAYS * 86_400).is_err());
        let other = TokenKeys::new(&[8u8; 32]);
        assert!(other.verify(&t, NOW).is_err());
        let payload = b64(&format!(
            r#"{{"userId":1,"clientId":2,"email":"a@b.co","typ":"access","ver":0,"iat":{NOW},"exp":{}}}"#,
            NOW + 100
        ));
        let none = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), payload);
        assert!(k.verify(&none, NOW).is_err());
        let hs512 = encode(
            &Header::new(Algorithm::HS512),
            &k.verify(&t, NOW).unwrap(),
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        assert!(k.verify(&hs512, NOW).is_err());
    }

    #[test]
    fn rejects_other_token_types() {
        let k = TokenKeys::new(&[7u8; 32]);
        let claims = Claims {
            user_id: 1,
            client_id: 2,
            email: "a@b.co".into(),
            typ: "reset".into(),
            ver: 0,
            iat: NOW,
            exp: NOW + 100,
        };
        let t = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        assert_eq!(k.verify(&t, NOW), Err("wrong token type"));
    }
}
