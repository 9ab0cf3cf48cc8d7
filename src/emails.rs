//! Email templates in English and Spanish, each as plain text and HTML.
//! Everything that comes from a tenant, a caller or a provider goes through
//! maud's escaping in the HTML part; links are only ever http(s). Rendering is
//! pure: callers queue the result in the outbox.

use crate::billing::rules::dollars;
use maud::{DOCTYPE, html};

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What to write. Amounts are cents; links are absolute http(s) URLs.
#[derive(Debug, Clone)]
pub enum Template<'a> {
    PasswordReset {
        link: &'a str,
    },
    Welcome {
        name: Option<&'a str>,
        business: &'a str,
        dashboard: &'a str,
    },
    /// To the owner, when a caller booked.
    AppointmentBooked {
        business: &'a str,
        customer: &'a str,
        phone: &'a str,
        when: &'a str,
        code: &'a str,
        dashboard: &'a str,
    },
    VoicemailReceived {
        from: &'a str,
        seconds: Option<i64>,
        transcription: Option<&'a str>,
        recording: Option<&'a str>,
        dashboard: &'a str,
    },
    LowBalance {
        business: &'a str,
        balance_cents: i64,
        free_minutes_left: i64,
        dashboard: &'a str,
    },
    ZeroBalance {
        business: &'a str,
        dashboard: &'a str,
    },
    PaymentReceived {
        business: &'a str,
        amount_cents: i64,
        balance_cents: i64,
        dashboard: &'a str,
    },
    AutoReloadFailed {
        business: &'a str,
        amount_cents: i64,
        reason: &'a str,
        dashboard: &'a str,
    },
}

struct Parts {
    subject: String,
    lines: Vec<String>,
    action: Option<(String, String)>,
}

fn safe_link(url: &str) -> Option<String> {
    let u = url.trim();
    (u.starts_with("https://") || u.starts_with("http://")).then(|| u.to_string())
}

fn parts(t: &Template<'_>, es: bool) -> Parts {
    let pick = |en: String, sp: String| if es { sp } else { en };
    match *t {
        Template::PasswordReset { link } => Parts {
            subject: pick(
                "Reset your RinglyPro password".into(),
                "Restablezca su contraseña de RinglyPro".into(),
            ),
            lines: vec![
                pick(
                    "We received a request to reset your password. Open this link within the next hour:".into(),
                    "Recibimos una solicitud para restablecer su contraseña. Abra este enlace en la próxima hora:".into(),
                ),
                pick(
                    "If you did not ask for this, ignore this email; your password stays the same.".into(),
                    "Si no la solicitó, ignore este mensaje; su contraseña no cambia.".into(),
                ),
            ],
            action: Some((
                pick("Choose a new password".into(), "Elegir una contraseña nueva".into()),
                link.to_string(),
            )),
        },
        Template::Welcome {
            name,
            business,
            dashboard,
        } => Parts {
            subject: pick(
                format!("Welcome to RinglyPro, {business}"),
                format!("Bienvenido a RinglyPro, {business}"),
            ),
            lines: vec![
                match name {
                    Some(n) => pick(format!("Hello {n},"), format!("Hola {n}:")),
                    None => pick("Hello,".into(), "Hola:".into()),
                },
                pick(
                    format!("Your AI receptionist for {business} is ready. It answers in English and Spanish, books appointments and takes messages. You have 100 free minutes every month."),
                    format!("Su recepcionista con IA para {business} está lista. Contesta en inglés y en español, agenda citas y toma mensajes. Tiene 100 minutos gratis cada mes."),
                ),
            ],
            action: Some((
                pick("Open your dashboard".into(), "Abrir su panel".into()),
                dashboard.to_string(),
            )),
        },
        Template::AppointmentBooked {
            business,
            customer,
            phone,
            when,
            code,
            dashboard,
        } => Parts {
            subject: pick(
                format!("New appointment: {customer}, {when}"),
                format!("Nueva cita: {customer}, {when}"),
            ),
            lines: vec![
                pick(
                    format!("{customer} ({phone}) booked an appointment with {business} for {when}."),
                    format!("{customer} ({phone}) reservó una cita con {business} para el {when}."),
                ),
                pick(
                    format!("Confirmation code: {code}"),
                    format!("Código de confirmación: {code}"),
                ),
            ],
            action: Some((
                pick("See your calendar".into(), "Ver su calendario".into()),
                format!("{dashboard}/calendar"),
            )),
        },
        Template::VoicemailReceived {
            from,
            seconds,
            transcription,
            recording,
            dashboard,
        } => {
            let secs = seconds.map(|s| format!(" ({s} s)")).unwrap_or_default();
            let mut lines = vec![pick(
                format!("You have a new voicemail from {from}{secs}."),
                format!("Tiene un mensaje de voz nuevo de {from}{secs}."),
            )];
            if let Some(t) = transcription.filter(|t| !t.trim().is_empty()) {
                lines.push(pick(format!("Transcription: “{t}”"), format!("Transcripción: “{t}”")));
            }
            if let Some(r) = recording.and_then(safe_link) {
                lines.push(pick(format!("Recording: {r}"), format!("Grabación: {r}")));
            }
            Parts {
                subject: pick(
                    format!("New voicemail from {from}"),
                    format!("Nuevo mensaje de voz de {from}"),
                ),
                lines,
                action: Some((
                    pick("Listen in your dashboard".into(), "Escuchar en su panel".into()),
                    format!("{dashboard}/calls"),
                )),
            }
        }
        Template::LowBalance {
            business,
            balance_cents,
            free_minutes_left,
            dashboard,
        } => {
            let bal = dollars(balance_cents);
            Parts {
                subject: pick(
                    format!("Low balance for {business}: {bal}"),
                    format!("Saldo bajo para {business}: {bal}"),
                ),
                lines: vec![
                    pick(
                        format!("The RinglyPro balance of {business} is {bal}, with {free_minutes_left} free minutes left this month."),
                        format!("El saldo de RinglyPro de {business} es {bal}, con {free_minutes_left} minutos gratis restantes este mes."),
                    ),
                    pick(
                        "Add credit so your AI receptionist keeps answering when the free minutes run out.".into(),
                        "Agregue saldo para que su recepcionista con IA siga contestando cuando se acaben los minutos gratis.".into(),
                    ),
                ],
                action: Some((
                    pick("Add credit".into(), "Agregar saldo".into()),
                    format!("{dashboard}/billing"),
                )),
            }
        }
        Template::ZeroBalance {
            business,
            dashboard,
        } => Parts {
            subject: pick(
                format!("Your AI receptionist is paused: {business} is out of credit"),
                format!("Su recepcionista con IA está en pausa: {business} no tiene saldo"),
            ),
            lines: vec![
                pick(
                    format!("{business} has no balance and no free minutes left this month, so the AI receptionist is switched off. Calls go to your forwarding number or voicemail."),
                    format!("{business} no tiene saldo ni minutos gratis este mes, así que la recepcionista con IA está apagada. Las llamadas van a su número de desvío o al buzón de voz."),
                ),
                pick(
                    "It switches back on by itself as soon as you add credit.".into(),
                    "Se vuelve a encender sola en cuanto agregue saldo.".into(),
                ),
            ],
            action: Some((
                pick("Add credit".into(), "Agregar saldo".into()),
                format!("{dashboard}/billing"),
            )),
        },
        Template::PaymentReceived {
            business,
            amount_cents,
            balance_cents,
            dashboard,
        } => {
            let (amt, bal) = (dollars(amount_cents), dollars(balance_cents));
            Parts {
                subject: pick(
                    format!("Payment received: {amt}"),
                    format!("Pago recibido: {amt}"),
                ),
                lines: vec![pick(
                    format!("Thank you. We added {amt} to the RinglyPro balance of {business}. The balance is now {bal}."),
                    format!("Gracias. Agregamos {amt} al saldo de RinglyPro de {business}. El saldo ahora es {bal}."),
                )],
                action: Some((
                    pick("See your billing".into(), "Ver su facturación".into()),
                    format!("{dashboard}/billing"),
                )),
            }
        }
        Template::AutoReloadFailed {
            business,
            amount_cents,
            reason,
            dashboard,
        } => {
            let amt = dollars(amount_cents);
            Parts {
                subject: pick(
                    format!("Automatic reload of {amt} failed"),
                    format!("La recarga automática de {amt} falló"),
                ),
                lines: vec![
                    pick(
                        format!("We could not charge {amt} to the saved card of {business}: {reason}"),
                        format!("No pudimos cobrar {amt} a la tarjeta guardada de {business}: {reason}"),
                    ),
                    pick(
                        "Automatic reload is now off. Add credit or update your card, then switch it back on.".into(),
                        "La recarga automática está desactivada. Agregue saldo o actualice su tarjeta y vuelva a activarla.".into(),
                    ),
                ],
                action: Some((
                    pick("Add credit".into(), "Agregar saldo".into()),
                    format!("{dashboard}/billing"),
                )),
            }
        }
    }
}

/// The subject and the message in one paragraph, for the dashboard's notifications.
pub fn summary(t: &Template<'_>, lang: &str) -> (String, String) {
    let p = parts(t, lang == "es");
    (p.subject, p.lines.join(" "))
}

/// Renders a template in `lang` ("es" for Spanish, anything else English).
pub fn render(t: &Template<'_>, lang: &str) -> Email {
    let es = lang == "es";
    let p = parts(t, es);
    let action = p
        .action
        .as_ref()
        .and_then(|(label, url)| safe_link(url).map(|u| (label.clone(), u)));
    let mut text = format!("{}\n\n", if es { "Hola:" } else { "Hello," });
    if matches!(t, Template::Welcome { .. }) {
        text.clear();
    }
    for l in &p.lines {
        text.push_str(l);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = &action {
        text.push_str(&format!("{label}: {url}\n\n"));
    }
    text.push_str("— RinglyPro\n");
    let html = html! {
        (DOCTYPE)
        html lang=(if es { "es" } else { "en" }) {
            head { meta charset="utf-8"; title { (p.subject) } }
            body style="font-family: sans-serif; color: #1f2937; max-width: 560px; margin: 0 auto; padding: 16px;" {
                @for l in &p.lines { p { (l) } }
                @if let Some((label, url)) = &action {
                    p { a href=(url) style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none;" { (label) } }
                    p style="font-size: 12px; color: #6b7280;" { (url) }
                }
                p style="font-size: 12px; color: #6b7280;" { "RinglyPro" }
            }
        }
    }
    .into_string();
    Email {
        subject: p.subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "https://crm.example.com";

    fn all<'a>() -> Vec<Template<'a>> {
        vec![
            Template::PasswordReset {
                link: "https://crm.example.com/reset-password?token=abc",
            },
            Template::Welcome {
                name: Some("Ada"),
                business: "Ada's Salon",
                dashboard: D,
            },
            Template::AppointmentBooked {
                business: "Ada's Salon",
                customer: "Juan",
                phone: "(555) 123-4567",
                when: "Tuesday, December 1 at 3:00 PM",
                code: "AB12CD",
                dashboard: D,
            },
            Template::VoicemailReceived {
                from: "(555) 123-4567",
                seconds: Some(12),
                transcription: Some("call me"),
                recording: Some("https://api.twilio.com/rec/RE1"),
                dashboard: D,
            },
            Template::LowBalance {
                business: "Ada's Salon",
                balance_cents: 90,
                free_minutes_left: 0,
                dashboard: D,
            },
            Template::ZeroBalance {
                business: "Ada's Salon",
                dashboard: D,
            },
            Template::PaymentReceived {
                business: "Ada's Salon",
                amount_cents: 2_000,
                balance_cents: 2_090,
                dashboard: D,
            },
            Template::AutoReloadFailed {
                business: "Ada's Salon",
                amount_cents: 2_000,
                reason: "Your card was declined.",
                dashboard: D,
            },
        ]
    }

    #[test]
    fn every_template_renders_in_both_languages() {
        for t in all() {
            let en = render(&t, "en");
            let es = render(&t, "es");
            assert!(!en.subject.is_empty() && !es.subject.is_empty());
            assert_ne!(en.subject, es.subject, "{t:?}");
            assert_ne!(en.text, es.text);
            assert!(en.html.starts_with("<!DOCTYPE html>"));
            assert!(es.html.contains("lang=\"es\""));
            assert!(en.text.contains("https://"), "{}", en.text);
        }
        let pay = render(&all()[6], "en");
        assert!(
            pay.text.contains("$20.00") && pay.text.contains("$20.90"),
            "{}",
            pay.text
        );
    }

    #[test]
    fn tenant_text_is_escaped_in_html() {
        let evil = "<script>alert(1)</script> & \"Co\"";
        let e = render(
            &Template::ZeroBalance {
                business: evil,
                dashboard: D,
            },
            "en",
        );
        assert!(!e.html.contains("<script>"), "{}", e.html);
        assert!(e.html.contains("&lt;script&gt;"));
        assert!(e.html.contains("&amp;"));
        // The text part is plain text: kept as written.
        assert!(e.text.contains(evil));
    }

    #[test]
    fn only_web_links_become_links() {
        let e = render(
            &Template::PasswordReset {
                link: "javascript:alert(1)",
            },
            "en",
        );
        assert!(!e.html.contains("javascript:"), "{}", e.html);
        let v = render(
            &Template::VoicemailReceived {
                from: "x",
                seconds: None,
                transcription: None,
                recording: Some("javascript:alert(1)"),
                dashboard: D,
            },
            "es",
        );
        assert!(!v.html.contains("javascript:") && !v.text.contains("javascript:"));
    }
}
