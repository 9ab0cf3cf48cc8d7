//! Pieces every page uses: form fields with their label, hint and error (the
//! error tied to the input with aria-describedby), the hidden CSRF field,
//! notices, status badges, pagination, and how instants, phone numbers and
//! statuses read in the owner's language. All text goes through maud's escaping.

use super::errors::PageError;
use super::i18n::Lang;
use crate::error::AppError;
use maud::{Markup, html};
use std::collections::HashMap;

/// What went wrong with a form: messages next to fields, and general ones on top.
#[derive(Debug, Default, Clone)]
pub struct Errors {
    pub top: Vec<String>,
    pub fields: HashMap<String, String>,
}

impl Errors {
    pub fn is_empty(&self) -> bool {
        self.top.is_empty() && self.fields.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut e = Errors::default();
        e.fields.insert(field.to_string(), message.into());
        e
    }
    pub fn general(message: impl Into<String>) -> Self {
        Errors {
            top: vec![message.into()],
            fields: HashMap::new(),
        }
    }

    /// Errors a person can fix by changing the form become `Errors` (shown on the
    /// re-rendered form); anything else (not found, not allowed, a fault) is a page error.
    /// `labels` maps the core's field names to the form's (`customerName` → `name`).
    pub fn from_app(e: AppError, labels: &[(&str, &str)]) -> Result<Errors, PageError> {
        match e {
            AppError::Validation {
                field: Some(f),
                message,
            } => {
                let key = labels
                    .iter()
                    .find(|(core, _)| *core == f)
                    .map(|(_, form)| form.to_string())
                    .unwrap_or(f);
                Ok(Errors::field(&key, message))
            }
            AppError::Validation { message, .. } | AppError::Conflict { message, .. } => {
                Ok(Errors::general(message))
            }
            e @ (AppError::BadRequest(_)
            | AppError::TooManyRequests { .. }
            | AppError::ServiceUnavailable(_)
            | AppError::PayloadTooLarge { .. }
            | AppError::UnsupportedMediaType(_)) => Ok(Errors::general(e.public_message())),
            other => Err(PageError(other)),
        }
    }
}

/// The hidden CSRF field every signed-in form carries.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="_csrf" value=(token); }
}

/// A labelled input. Build with `Input::new(...)` and chain what applies.
pub struct Input<'a> {
    name: &'a str,
    label: &'a str,
    value: String,
    kind: &'a str,
    hint: Option<String>,
    error: Option<String>,
    required: bool,
    autocomplete: Option<&'a str>,
    inputmode: Option<&'a str>,
    min: Option<String>,
    max: Option<String>,
    step: Option<&'a str>,
    list: Option<&'a str>,
    placeholder: Option<&'a str>,
    browser_tz: bool,
    autofocus: bool,
}

impl<'a> Input<'a> {
    pub fn new(name: &'a str, label: &'a str, value: impl Into<String>) -> Self {
        Input {
            name,
            label,
            value: value.into(),
            kind: "text",
            hint: None,
            error: None,
            required: false,
            autocomplete: None,
            inputmode: None,
            min: None,
            max: None,
            step: None,
            list: None,
            placeholder: None,
            browser_tz: false,
            autofocus: false,
        }
    }
    pub fn kind(mut self, k: &'a str) -> Self {
        self.kind = k;
        self
    }
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = Some(h.into());
        self
    }
    pub fn errors(mut self, e: &Errors) -> Self {
        self.error = e.get(self.name).map(String::from);
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn autocomplete(mut self, a: &'a str) -> Self {
        self.autocomplete = Some(a);
        self
    }
    pub fn inputmode(mut self, m: &'a str) -> Self {
        self.inputmode = Some(m);
        self
    }
    pub fn range(mut self, min: impl ToString, max: impl ToString) -> Self {
        self.min = Some(min.to_string());
        self.max = Some(max.to_string());
        self
    }
    pub fn step(mut self, s: &'a str) -> Self {
        self.step = Some(s);
        self
    }
    pub fn list(mut self, id: &'a str) -> Self {
        self.list = Some(id);
        self
    }
    pub fn placeholder(mut self, p: &'a str) -> Self {
        self.placeholder = Some(p);
        self
    }
    pub fn browser_tz(mut self) -> Self {
        self.browser_tz = true;
        self
    }
    pub fn autofocus(mut self) -> Self {
        self.autofocus = true;
        self
    }

    pub fn render(&self) -> Markup {
        let id = format!("f-{}", self.name);
        let hint_id = format!("{id}-hint");
        let err_id = format!("{id}-err");
        let described: Option<String> = match (&self.hint, &self.error) {
            (Some(_), Some(_)) => Some(format!("{hint_id} {err_id}")),
            (Some(_), None) => Some(hint_id.clone()),
            (None, Some(_)) => Some(err_id.clone()),
            (None, None) => None,
        };
        let invalid = self.error.as_ref().map(|_| "true");
        html! {
            div.field {
                label for=(id) { (self.label) }
                @if self.kind == "textarea" {
                    textarea id=(id) name=(self.name) required[self.required]
                        aria-invalid=[invalid] aria-describedby=[described.as_deref()]
                        autofocus[self.autofocus] placeholder=[self.placeholder] { (self.value) }
                } @else {
                    input id=(id) name=(self.name) type=(self.kind) value=(self.value)
                        required[self.required] autocomplete=[self.autocomplete]
                        inputmode=[self.inputmode] min=[self.min.as_deref()] max=[self.max.as_deref()]
                        step=[self.step] list=[self.list] placeholder=[self.placeholder]
                        data-browser-tz[self.browser_tz] autofocus[self.autofocus]
                        aria-invalid=[invalid] aria-describedby=[described.as_deref()];
                }
                @if let Some(h) = &self.hint { div.hint id=(hint_id) { (h) } }
                @if let Some(e) = &self.error { div.error id=(err_id) { (e) } }
            }
        }
    }
}

impl maud::Render for Input<'_> {
    fn render(&self) -> Markup {
        Input::render(self)
    }
}

/// A labelled select; `options` are (value, label).
pub fn select(
    name: &str,
    label: &str,
    current: &str,
    options: &[(&str, &str)],
    errors: &Errors,
) -> Markup {
    let id = format!("f-{name}");
    let err = errors.get(name);
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(name) aria-invalid=[err.map(|_| "true")]
                aria-describedby=[err.map(|_| format!("{id}-err"))] {
                @for (v, l) in options {
                    option value=(v) selected[*v == current] { (l) }
                }
            }
            @if let Some(e) = err { div.error id=(format!("{id}-err")) { (e) } }
        }
    }
}

/// A labelled checkbox.
pub fn checkbox(name: &str, label: &str, checked: bool) -> Markup {
    let id = format!("f-{name}");
    html! {
        label.check for=(id) {
            input type="checkbox" id=(id) name=(name) value="on" checked[checked];
            (label)
        }
    }
}

/// General errors at the top of a form, announced to screen readers.
pub fn form_errors(lang: Lang, e: &Errors) -> Markup {
    html! {
        @if !e.is_empty() {
            div.alert.bad role="alert" {
                @if e.top.is_empty() {
                    (lang.t("Please correct the highlighted field.", "Corrija el campo señalado."))
                }
                @for m in &e.top { p { (m) } }
            }
        }
    }
}

/// A success notice after a change.
pub fn flash(msg: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = msg { p.flash role="status" { (m) } }
    }
}

/// Previous/next links for a paged list; `base` already carries the other query parameters.
pub fn pager(lang: Lang, base: &str, page: i64, pages: i64) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        @if pages > 1 {
            nav.pager aria-label=(lang.t("Pages", "Páginas")) {
                @if page > 1 {
                    a.button.secondary href=(format!("{base}{sep}page={}", page - 1)) rel="prev" { "‹ " (lang.t("Previous", "Anterior")) }
                }
                span { (lang.tr(format!("Page {page} of {pages}"), format!("Página {page} de {pages}"))) }
                @if page < pages {
                    a.button.secondary href=(format!("{base}{sep}page={}", page + 1)) rel="next" { (lang.t("Next", "Siguiente")) " ›" }
                }
            }
        }
    }
}

/// A status in words, coloured by what it means.
pub fn badge(lang: Lang, status: &str) -> Markup {
    let (class, text) = match status {
        "confirmed" => ("badge ok", lang.t("Confirmed", "Confirmada")),
        "pending" => ("badge warn", lang.t("Pending", "Pendiente")),
        "cancelled" => ("badge bad", lang.t("Cancelled", "Cancelada")),
        "completed" => ("badge", lang.t("Completed", "Completada")),
        "no_show" => ("badge bad", lang.t("No-show", "No se presentó")),
        "in-progress" => ("badge warn", lang.t("In progress", "En curso")),
        "busy" | "failed" | "no-answer" | "undelivered" => {
            ("badge bad", lang.t("Not reached", "Sin respuesta"))
        }
        "queued" | "sending" | "accepted" => ("badge warn", lang.t("Queued", "En cola")),
        "sent" => ("badge", lang.t("Sent", "Enviado")),
        "delivered" => ("badge ok", lang.t("Delivered", "Entregado")),
        "received" => ("badge", lang.t("Received", "Recibido")),
        "canceled" => ("badge", lang.t("Not sent", "No enviado")),
        "succeeded" => ("badge ok", lang.t("Paid", "Pagado")),
        "refunded" => ("badge", lang.t("Refunded", "Reembolsado")),
        _ => ("badge", ""),
    };
    html! {
        span class=(class) { @if text.is_empty() { (status) } @else { (text) } }
    }
}

/// A phone number for display: "(555) 212-0987" for US numbers, E.164 otherwise.
pub fn phone(p: &str) -> String {
    crate::domain::E164::parse(p)
        .map(|e| e.display())
        .unwrap_or_else(|_| p.to_string())
}

/// A stored UTC instant in the business's zone: "Mar 3, 2:30 PM".
pub fn when(lang: Lang, utc: &str, tz: chrono_tz::Tz) -> String {
    match crate::clock::from_db(utc) {
        Some(t) => {
            let local = t.with_timezone(&tz);
            format!(
                "{}, {}",
                lang.short_date(local.date_naive()),
                lang.time(local.time())
            )
        }
        None => utc.to_string(),
    }
}

/// Seconds as "3:05".
pub fn duration(secs: Option<i64>) -> String {
    match secs {
        Some(s) if s >= 0 => format!("{}:{:02}", s / 60, s % 60),
        _ => "–".into(),
    }
}

/// The common time zones offered in pickers (any IANA name is accepted).
pub const ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Toronto",
    "America/Vancouver",
    "America/Mexico_City",
    "America/Monterrey",
    "America/Tijuana",
    "America/Bogota",
    "America/Lima",
    "America/Caracas",
    "America/Santiago",
    "America/Argentina/Buenos_Aires",
    "America/Sao_Paulo",
    "America/Guatemala",
    "America/El_Salvador",
    "America/Costa_Rica",
    "America/Panama",
    "America/Santo_Domingo",
    "Europe/London",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Berlin",
    "UTC",
];

/// A datalist of common time zones for inputs with `list="zones"`.
pub fn zone_list() -> Markup {
    html! {
        datalist #zones {
            @for z in ZONES { option value=(z) {} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixable_errors_stay_on_the_form() {
        let e = Errors::from_app(
            AppError::validation("customerName", "customerName is required"),
            &[("customerName", "name")],
        )
        .unwrap();
        assert_eq!(e.get("name"), Some("customerName is required"));
        assert!(Errors::from_app(AppError::not_found("contact"), &[]).is_err());
        assert!(Errors::from_app(AppError::internal("x"), &[]).is_err());
        let c = Errors::from_app(AppError::conflict("taken", None), &[]).unwrap();
        assert_eq!(c.top, vec!["taken".to_string()]);
    }

    #[test]
    fn inputs_escape_values_and_tie_errors_to_fields() {
        let e = Errors::field("name", "Name is required");
        let html = Input::new("name", "Name", "<b>\"x\"")
            .errors(&e)
            .render()
            .into_string();
        assert!(html.contains("&lt;b&gt;&quot;x&quot;"), "{html}");
        assert!(html.contains("aria-describedby=\"f-name-err\""), "{html}");
        assert!(html.contains("aria-invalid=\"true\""));
    }
}
