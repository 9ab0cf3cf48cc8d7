//! What an inbound text means and what we answer, without I/O: the carrier
//! keywords (STOP, START, HELP and their Spanish forms) and the reminder replies
//! (C to confirm, R to reschedule), matched on the whole message, trimmed and
//! case-insensitively, and the reply texts in English and Spanish.

/// A keyword an inbound text can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    OptOut,
    OptIn,
    Help,
    Confirm,
    Reschedule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub fn from_code(code: &str) -> Self {
        if code.eq_ignore_ascii_case("es") {
            Self::Es
        } else {
            Self::En
        }
    }
}

/// The keyword a whole message is (if any), its normalised form, and the
/// language it implies (None for language-neutral ones such as "C").
pub fn classify(body: &str) -> Option<(Keyword, String, Option<Lang>)> {
    let word = body
        .trim()
        .trim_end_matches(['.', '!'])
        .trim()
        .to_uppercase();
    use Keyword::*;
    let (kw, lang) = match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => (OptOut, None),
        "ALTO" | "PARAR" => (OptOut, Some(Lang::Es)),
        "START" | "UNSTOP" => (OptIn, None),
        "HELP" => (Help, Some(Lang::En)),
        "AYUDA" => (Help, Some(Lang::Es)),
        "C" => (Confirm, None),
        "CONFIRM" => (Confirm, Some(Lang::En)),
        "CONFIRMAR" | "SÍ" | "SI" => (Confirm, Some(Lang::Es)),
        "R" => (Reschedule, None),
        _ => return None,
    };
    Some((kw, word, lang))
}

/// `2026-11-24` + `15:30` as people read them in each language.
pub fn when(lang: Lang, date: &str, time: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok();
    let t = chrono::NaiveTime::parse_from_str(time, "%H:%M").ok();
    match (lang, d, t) {
        (Lang::En, Some(d), Some(t)) => {
            format!("{} at {}", d.format("%a, %b %-d"), t.format("%-I:%M %p"))
        }
        (Lang::Es, Some(d), Some(t)) => {
            format!("el {} a las {}", d.format("%d/%m/%Y"), t.format("%H:%M"))
        }
        (Lang::En, _, _) => format!("{date} at {time}"),
        (Lang::Es, _, _) => format!("el {date} a las {time}"),
    }
}

/// The business as a reply names it.
pub struct Business<'a> {
    pub name: &'a str,
    /// Formatted for people, e.g. (555) 212-0987.
    pub phone: &'a str,
}

pub fn opted_out(lang: Lang, b: &Business<'_>) -> String {
    match lang {
        Lang::En => format!(
            "{}: You are unsubscribed and will receive no more texts from us. Reply START to subscribe again.",
            b.name
        ),
        Lang::Es => format!(
            "{}: Se canceló su suscripción y no recibirá más mensajes. Responda START para volver a suscribirse.",
            b.name
        ),
    }
}

pub fn opted_in(lang: Lang, b: &Business<'_>) -> String {
    match lang {
        Lang::En => format!(
            "{}: You are subscribed to our texts again. Reply STOP to unsubscribe, HELP for help.",
            b.name
        ),
        Lang::Es => format!(
            "{}: Está suscrito de nuevo a nuestros mensajes. Responda STOP para cancelar, AYUDA para ayuda.",
            b.name
        ),
    }
}

pub fn help(lang: Lang, b: &Business<'_>) -> String {
    match lang {
        Lang::En => format!(
            "{}: For help call us at {}. Reply C to confirm or R to reschedule an appointment, STOP to unsubscribe.",
            b.name, b.phone
        ),
        Lang::Es => format!(
            "{}: Para ayuda llámenos al {}. Responda C para confirmar o R para cambiar una cita, STOP para cancelar.",
            b.name, b.phone
        ),
    }
}

pub fn confirmed(lang: Lang, b: &Business<'_>, when: &str) -> String {
    match lang {
        Lang::En => format!(
            "{}: Thank you! Your appointment on {when} is confirmed.",
            b.name
        ),
        Lang::Es => format!("{}: ¡Gracias! Su cita {when} está confirmada.", b.name),
    }
}

pub fn reschedule_requested(lang: Lang, b: &Business<'_>, when: &str) -> String {
    match lang {
        Lang::En => format!(
            "{}: Got it. We will call you back to find a new time for your appointment on {when}.",
            b.name
        ),
        Lang::Es => format!(
            "{}: Entendido. Le llamaremos para buscar otro horario para su cita {when}.",
            b.name
        ),
    }
}

pub fn no_appointment(lang: Lang, b: &Business<'_>) -> String {
    match lang {
        Lang::En => format!(
            "{}: We could not find an upcoming appointment for this number. Please call us at {}.",
            b.name, b.phone
        ),
        Lang::Es => format!(
            "{}: No encontramos una cita próxima para este número. Llámenos al {}.",
            b.name, b.phone
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_the_whole_message_only() {
        assert_eq!(classify("  stop ").map(|k| k.0), Some(Keyword::OptOut));
        assert_eq!(classify("Parar").map(|k| k.0), Some(Keyword::OptOut));
        assert_eq!(classify("unstop").map(|k| k.0), Some(Keyword::OptIn));
        assert_eq!(classify("Help!").map(|k| k.0), Some(Keyword::Help));
        assert_eq!(
            classify("ayuda").map(|k| (k.0, k.2)),
            Some((Keyword::Help, Some(Lang::Es)))
        );
        assert_eq!(classify("c").map(|k| k.0), Some(Keyword::Confirm));
        assert_eq!(classify("sí").map(|k| k.0), Some(Keyword::Confirm));
        assert_eq!(classify("Si.").map(|k| k.0), Some(Keyword::Confirm));
        assert_eq!(classify("r").map(|k| k.0), Some(Keyword::Reschedule));
        assert_eq!(classify("please stop calling"), None);
        assert_eq!(classify("yes"), None);
        assert_eq!(classify(""), None);
    }

    #[test]
    fn dates_read_naturally() {
        assert_eq!(
            when(Lang::En, "2026-11-24", "15:30"),
            "Tue, Nov 24 at 3:30 PM"
        );
        assert_eq!(
            when(Lang::Es, "2026-11-24", "15:30"),
            "el 24/11/2026 a las 15:30"
        );
        assert_eq!(when(Lang::En, "bad", "x"), "bad at x");
    }
}
