//! The one page frame: head (stylesheet, manifest, icons, CSRF meta, htmx
//! configured for a strict CSP), the skip link, the header with the main
//! navigation and sign-out, and `main`. `page` is for signed-in owners,
//! `bare` for sign-in, sign-up, setup and error pages.

use super::assets::{THEME_COLOR, url};
use super::i18n::Lang;
use super::session::Viewer;
use maud::{DOCTYPE, Markup, html};

/// The sections of the main navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Today,
    Calendar,
    Contacts,
    Calls,
    Messages,
    Billing,
    Settings,
    TestCall,
}

impl Nav {
    fn all() -> [Nav; 8] {
        [
            Nav::Today,
            Nav::Calendar,
            Nav::Contacts,
            Nav::Calls,
            Nav::Messages,
            Nav::Billing,
            Nav::Settings,
            Nav::TestCall,
        ]
    }
    fn href(self) -> &'static str {
        match self {
            Nav::Today => "/",
            Nav::Calendar => "/calendar",
            Nav::Contacts => "/contacts",
            Nav::Calls => "/calls",
            Nav::Messages => "/messages",
            Nav::Billing => "/billing",
            Nav::Settings => "/settings",
            Nav::TestCall => "/test-call",
        }
    }
    pub fn label(self, l: Lang) -> &'static str {
        match self {
            Nav::Today => l.t("Today", "Hoy"),
            Nav::Calendar => l.t("Calendar", "Calendario"),
            Nav::Contacts => l.t("Contacts", "Contactos"),
            Nav::Calls => l.t("Calls", "Llamadas"),
            Nav::Messages => l.t("Messages", "Mensajes"),
            Nav::Billing => l.t("Billing", "Facturación"),
            Nav::Settings => l.t("Settings", "Ajustes"),
            Nav::TestCall => l.t("Test call", "Llamada de prueba"),
        }
    }
}

/// htmx settings that keep it inside the CSP: no eval, no inline styles or scripts.
const HTMX_CONFIG: &str = r#"{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true,"historyCacheSize":0,"scrollIntoViewOnBoost":false}"#;

fn head(lang: Lang, title: &str, csrf: Option<&str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="theme-color" content=(THEME_COLOR);
            meta name="color-scheme" content="light";
            title { (title) " · RinglyPro" }
            link rel="stylesheet" href=(url("app.css"));
            link rel="manifest" href="/manifest.json";
            link rel="icon" type="image/png" href=(url("icon-192.png"));
            link rel="apple-touch-icon" href=(url("icon-192.png"));
            meta name="htmx-config" content=(HTMX_CONFIG);
            @if let Some(t) = csrf {
                meta name="csrf-token" content=(t);
            }
            script src=(url("htmx.min.js")) defer {}
            script src=(url("app.js")) defer {}
            meta name="description" content=(lang.t("RinglyPro: your AI receptionist and customer book", "RinglyPro: su recepcionista con IA y su libreta de clientes"));
        }
    }
}

fn brand() -> Markup {
    html! {
        a.brand href="/" {
            img src=(url("icon-192.png")) alt="" width="28" height="28";
            "RinglyPro"
        }
    }
}

/// A page of the signed-in dashboard.
pub fn page(v: &Viewer, current: Nav, title: &str, body: Markup) -> Markup {
    let l = v.lang;
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(l, title, Some(&v.csrf)))
            body {
                a.skip href="#main" { (l.t("Skip to content", "Saltar al contenido")) }
                header.top {
                    div.top-in {
                        (brand())
                        nav.nav aria-label=(l.t("Main", "Principal")) {
                            @for n in Nav::all() {
                                @if n == current {
                                    a href=(n.href()) aria-current="page" { (n.label(l)) }
                                } @else {
                                    a href=(n.href()) { (n.label(l)) }
                                }
                            }
                        }
                        div.who {
                            span.name.muted { (v.display_name()) }
                            form method="post" action="/logout" {
                                input type="hidden" name="_csrf" value=(v.csrf);
                                button.secondary type="submit" { (l.t("Sign out", "Salir")) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
            }
        }
    }
}

/// A page without the dashboard's navigation (sign-in, sign-up, errors).
pub fn bare(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title, None))
            body.bare {
                a.skip href="#main" { (lang.t("Skip to content", "Saltar al contenido")) }
                main #main .narrow tabindex="-1" {
                    (brand())
                    (body)
                }
                footer {
                    a href="?lang=en" lang="en" { "English" }
                    " · "
                    a href="?lang=es" lang="es" { "Español" }
                }
            }
        }
    }
}
