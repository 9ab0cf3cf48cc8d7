//! Stripe's REST API over ureq: form-encoded POSTs to `{STRIPE_API_BASE}/v1/…`
//! with `Authorization: Bearer sk_…` and an `Idempotency-Key` header (the same
//! key on every retry of one payment, so Stripe never creates it twice).
//! Customers, PaymentIntents (on-session with `setup_future_usage`, and
//! off-session for auto-reload) and Checkout sessions. Without a secret key the
//! offline stand-in answers "not configured" and nothing is charged.

use super::{PayError, Payments};
use serde::Deserialize;
use std::time::Duration;

/// Stripe's API, used when STRIPE_API_BASE is empty.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";
const MAX_RESPONSE_BYTES: u64 = 256 * 1024;

/// A PaymentIntent to create.
#[derive(Debug, Clone, Default)]
pub struct NewPaymentIntent<'a> {
    pub amount_cents: i64,
    pub customer: Option<&'a str>,
    /// Off-session: charge this saved card now (auto-reload).
    pub off_session_payment_method: Option<&'a str>,
    pub description: &'a str,
    /// Metadata: client_id, payment_id and ledger reference.
    pub metadata: Vec<(&'a str, String)>,
}

/// A Checkout session to create (a hosted payment page).
#[derive(Debug, Clone, Default)]
pub struct NewCheckout<'a> {
    pub amount_cents: i64,
    pub customer: Option<&'a str>,
    pub product_name: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    pub client_reference_id: &'a str,
    pub metadata: Vec<(&'a str, String)>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub client_secret: Option<String>,
    pub status: String,
    #[serde(default)]
    pub amount: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    pub url: Option<String>,
    pub payment_intent: Option<String>,
}

#[derive(Deserialize)]
struct Customer {
    id: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: StripeError,
}

#[derive(Deserialize)]
struct StripeError {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    decline_code: Option<String>,
    message: Option<String>,
}

pub struct StripeClient {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

impl StripeClient {
    pub fn new(secret_key: &str, api_base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("ringlypro/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self {
            agent,
            base: api_base.trim_end_matches('/').to_string(),
            authorization: format!("Bearer {secret_key}"),
        }
    }

    fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<T, PayError> {
        let mut res = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Idempotency-Key", idempotency_key)
            .header("Stripe-Version", "2024-06-20")
            .send_form(form.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| PayError::retryable(format!("could not reach Stripe: {e}")))?;
        let status = res.status().as_u16();
        let text = res
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(|e| PayError::retryable(format!("could not read Stripe's answer: {e}")))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|e| {
                PayError::retryable(format!("Stripe's answer was not understood ({e})"))
            });
        }
        let err = serde_json::from_str::<ErrorBody>(&text)
            .ok()
            .map(|b| b.error);
        let message = err
            .as_ref()
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| format!("Stripe answered HTTP {status}"));
        let declined = status == 402
            || err
                .as_ref()
                .is_some_and(|e| e.kind.as_deref() == Some("card_error"));
        Err(PayError {
            retryable: status >= 500 || status == 429 || status == 409,
            declined,
            code: err.and_then(|e| e.decline_code.or(e.code)),
            message,
        })
    }
}

fn metadata(form: &mut Vec<(String, String)>, prefix: &str, m: &[(&str, String)]) {
    for (k, v) in m {
        form.push((format!("{prefix}metadata[{k}]"), v.clone()));
    }
}

impl Payments for StripeClient {
    fn create_customer(
        &self,
        email: Option<&str>,
        name: &str,
        client_id: i64,
        idempotency_key: &str,
    ) -> Result<String, PayError> {
        let mut form = vec![
            ("name".to_string(), name.to_string()),
            ("metadata[client_id]".to_string(), client_id.to_string()),
        ];
        if let Some(e) = email {
            form.push(("email".into(), e.to_string()));
        }
        self.post::<Customer>("/v1/customers", &form, idempotency_key)
            .map(|c| c.id)
    }

    fn create_payment_intent(
        &self,
        p: &NewPaymentIntent<'_>,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, PayError> {
        let mut form = vec![
            ("amount".to_string(), p.amount_cents.to_string()),
            ("currency".to_string(), "usd".to_string()),
            ("description".to_string(), p.description.to_string()),
        ];
        if let Some(c) = p.customer {
            form.push(("customer".into(), c.to_string()));
        }
        match p.off_session_payment_method {
            Some(pm) => {
                form.push(("payment_method".into(), pm.to_string()));
                form.push(("off_session".into(), "true".into()));
                form.push(("confirm".into(), "true".into()));
            }
            None => {
                form.push(("automatic_payment_methods[enabled]".into(), "true".into()));
                if p.customer.is_some() {
                    // Keeps the card for auto-reload.
                    form.push(("setup_future_usage".into(), "off_session".into()));
                }
            }
        }
        metadata(&mut form, "", &p.metadata);
        self.post("/v1/payment_intents", &form, idempotency_key)
    }

    fn create_checkout_session(
        &self,
        c: &NewCheckout<'_>,
        idempotency_key: &str,
    ) -> Result<CheckoutSession, PayError> {
        let mut form = vec![
            ("mode".to_string(), "payment".to_string()),
            ("success_url".to_string(), c.success_url.to_string()),
            ("cancel_url".to_string(), c.cancel_url.to_string()),
            (
                "client_reference_id".to_string(),
                c.client_reference_id.to_string(),
            ),
            ("line_items[0][quantity]".to_string(), "1".to_string()),
            (
                "line_items[0][price_data][currency]".to_string(),
                "usd".to_string(),
            ),
            (
                "line_items[0][price_data][unit_amount]".to_string(),
                c.amount_cents.to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]".to_string(),
                c.product_name.to_string(),
            ),
        ];
        if let Some(cu) = c.customer {
            form.push(("customer".into(), cu.to_string()));
            form.push((
                "payment_intent_data[setup_future_usage]".into(),
                "off_session".into(),
            ));
        }
        metadata(&mut form, "", &c.metadata);
        for (k, v) in &c.metadata {
            form.push((format!("payment_intent_data[metadata][{k}]"), v.clone()));
        }
        self.post("/v1/checkout/sessions", &form, idempotency_key)
    }
}

/// The reason shown when Stripe has no secret key.
pub const NOT_CONFIGURED: &str =
    "Card payments are not set up on this server (STRIPE_SECRET_KEY is not set).";

/// The stand-in without credentials: never pretends to charge.
#[derive(Debug, Default, Clone, Copy)]
pub struct OfflinePayments;

impl Payments for OfflinePayments {
    fn create_customer(
        &self,
        _: Option<&str>,
        _: &str,
        _: i64,
        _: &str,
    ) -> Result<String, PayError> {
        Err(PayError::not_configured())
    }
    fn create_payment_intent(
        &self,
        _: &NewPaymentIntent<'_>,
        _: &str,
    ) -> Result<PaymentIntent, PayError> {
        Err(PayError::not_configured())
    }
    fn create_checkout_session(
        &self,
        _: &NewCheckout<'_>,
        _: &str,
    ) -> Result<CheckoutSession, PayError> {
        Err(PayError::not_configured())
    }
    fn unavailable_reason(&self) -> Option<&str> {
        Some(NOT_CONFIGURED)
    }
}
