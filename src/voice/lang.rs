//! The two language packs of the one receptionist: every sentence Rachel
//! (English) and Lina (Spanish) say, with the Twilio voice and speech settings
//! of each language. The flow never contains text; it names a `Line`.

use crate::nlu::Lang;
use crate::texts;
use chrono::{NaiveDate, NaiveTime};

/// Twilio `<Say>` voice (Amazon Polly neural) of each language.
pub fn voice(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Polly.Joanna-Neural",
        Lang::Es => "Polly.Lupe-Neural",
    }
}

/// `<Gather language=…>` of each language.
pub fn speech_language(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en-US",
        Lang::Es => "es-US",
    }
}

/// `(555) 212-0987` read digit by digit: "5 5 5, 2 1 2, 0 9 8 7".
pub fn spoken_phone(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(char::is_ascii_digit).collect();
    let national: Vec<char> = if digits.len() == 11 && digits[0] == '1' {
        digits[1..].to_vec()
    } else {
        digits
    };
    let groups: Vec<String> = if national.len() == 10 {
        vec![
            national[..3].iter().collect(),
            national[3..6].iter().collect(),
            national[6..].iter().collect(),
        ]
    } else {
        vec![national.iter().collect()]
    };
    groups
        .iter()
        .map(|g| g.chars().map(String::from).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A confirmation code read slowly: "K, 7, P, 2, Q, X".
pub fn spoken_code(code: &str) -> String {
    code.chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn when(lang: Lang, d: NaiveDate, t: NaiveTime) -> String {
    let l = code(lang);
    match lang {
        Lang::En => format!("{} at {}", texts::date(l, d), texts::time(l, t)),
        Lang::Es => format!("el {} a las {}", texts::date(l, d), texts::time(l, t)),
    }
}

pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Es => "es",
    }
}

fn list(lang: Lang, items: &[String]) -> String {
    let and = if lang == Lang::Es { " o " } else { " or " };
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        _ => format!(
            "{}{and}{}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

/// Everything the receptionist can say.
pub enum Line<'a> {
    ChooseLanguage {
        business: &'a str,
    },
    Greeting {
        business: &'a str,
        custom: Option<&'a str>,
    },
    HowCanIHelp,
    AnythingElse,
    AskDateTime,
    AskTimeOn {
        date: NaiveDate,
    },
    Offer {
        slots: &'a [(NaiveDate, NaiveTime)],
    },
    NoSlots,
    Unavailable {
        reason: &'a str,
    },
    WhichSlot,
    ConfirmKnownName {
        name: &'a str,
    },
    AskName,
    SpellName,
    CallerNumberOk {
        phone: &'a str,
    },
    AskPhone,
    ConfirmPhone {
        phone: &'a str,
    },
    ReadBack {
        date: NaiveDate,
        time: NaiveTime,
        name: &'a str,
        phone: &'a str,
    },
    Booked {
        code: &'a str,
    },
    SlotJustTaken,
    FoundAppointment {
        date: NaiveDate,
        time: NaiveTime,
    },
    WhichAppointment {
        count: usize,
    },
    AskCode,
    CodeNotFound,
    NoAppointmentFound,
    ConfirmCancel {
        date: NaiveDate,
        time: NaiveTime,
    },
    Cancelled,
    AskNewTime,
    ConfirmMove {
        date: NaiveDate,
        time: NaiveTime,
    },
    Moved {
        date: NaiveDate,
        time: NaiveTime,
        code: &'a str,
    },
    KeptAsIs,
    Prices {
        services: &'a [(String, Option<i64>)],
    },
    NoPrices,
    Hours {
        today: &'a str,
        week: &'a str,
    },
    Location {
        address: Option<&'a str>,
        directions: Option<&'a str>,
    },
    Faq {
        answer: &'a str,
    },
    Transferring,
    OwnerUnavailable,
    LeaveMessage,
    MessageSaved,
    NotUnderstood,
    Menu,
    NoInput,
    OfferVoicemail,
    AfterHours,
    AiOff {
        business: &'a str,
    },
    Goodbye,
    SorryError,
    NotInService,
}

pub fn say(lang: Lang, line: &Line<'_>) -> String {
    let es = lang == Lang::Es;
    let l = code(lang);
    match line {
        Line::ChooseLanguage { business } => format!("Thank you for calling {business}. For English, press 1 or say English. Para español, oprima 2 o diga español."),
        Line::Greeting { business, custom } => match (custom, es) {
            (Some(c), _) => c.to_string(),
            (None, false) => format!("Thank you for calling {business}. This is Rachel, the virtual receptionist."),
            (None, true) => format!("Gracias por llamar a {business}. Le atiende Lina, la recepcionista virtual."),
        },
        Line::HowCanIHelp => if es { "¿En qué le puedo ayudar? Puede reservar, cambiar o cancelar una cita, o preguntar por precios y horarios.".into() } else { "How can I help you today? You can book, change or cancel an appointment, or ask about prices and hours.".into() },
        Line::AnythingElse => if es { "¿Le puedo ayudar con algo más?".into() } else { "Is there anything else I can help you with?".into() },
        Line::AskDateTime => if es { "¿Para qué día y hora le gustaría la cita?".into() } else { "What day and time would you like?".into() },
        Line::AskTimeOn { date } => if es { format!("¿A qué hora el {}?", texts::date(l, *date)) } else { format!("What time on {}?", texts::date(l, *date)) },
        Line::Offer { slots } => {
            let items: Vec<String> = slots.iter().map(|(d, t)| when(lang, *d, *t)).collect();
            if es { format!("Tengo disponible {}. ¿Cuál prefiere?", list(lang, &items)) } else { format!("I have {} available. Which would you like?", list(lang, &items)) }
        }
        Line::NoSlots => if es { "Lo siento, no tengo horarios libres en ese momento. ¿Qué otro día le convendría?".into() } else { "I'm sorry, there's nothing free then. What other day would work for you?".into() },
        Line::Unavailable { reason } => if es { format!("Lo siento, ese horario no está disponible: {reason}.") } else { format!("I'm sorry, that time doesn't work: {reason}.") },
        Line::WhichSlot => if es { "Diga la primera o la segunda opción, o dígame otra hora.".into() } else { "Please say the first or the second option, or tell me another time.".into() },
        Line::ConfirmKnownName { name } => if es { format!("¿La cita es a nombre de {name}?") } else { format!("Is the appointment for {name}?") },
        Line::AskName => if es { "¿A nombre de quién hago la reserva?".into() } else { "May I have your first and last name, please?".into() },
        Line::SpellName => if es { "Disculpe, no le entendí. Diga su nombre y deletree su apellido, por favor.".into() } else { "Sorry, I didn't catch that. Please say your name and spell your last name.".into() },
        Line::CallerNumberOk { phone } => if es { format!("¿Es el número desde el que llama, {}, el mejor para contactarle?", spoken_phone(phone)) } else { format!("Is the number you're calling from, {}, the best one to reach you?", spoken_phone(phone)) },
        Line::AskPhone => if es { "Diga o marque su número de teléfono de diez dígitos.".into() } else { "Please say or type your 10-digit phone number.".into() },
        Line::ConfirmPhone { phone } => if es { format!("Tengo el {}. ¿Es correcto?", spoken_phone(phone)) } else { format!("I have {}. Is that right?", spoken_phone(phone)) },
        Line::ReadBack { date, time, name, phone } => if es {
            format!("Confirmo: {}, a nombre de {name}, teléfono {}. ¿Reservo la cita?", when(lang, *date, *time), spoken_phone(phone))
        } else {
            format!("Let me read that back: {}, for {name}, phone {}. Shall I book it?", when(lang, *date, *time), spoken_phone(phone))
        },
        Line::Booked { code } => if es { format!("¡Listo! Su cita está reservada. Su código de confirmación es {}. Le enviaré un mensaje de texto con los detalles.", spoken_code(code)) } else { format!("You're all set! Your confirmation code is {}. I'll text you the details.", spoken_code(code)) },
        Line::SlotJustTaken => if es { "Lo siento, alguien acaba de reservar ese horario.".into() } else { "I'm sorry, someone just booked that time.".into() },
        Line::FoundAppointment { date, time } => if es { format!("Veo su cita del {}. ¿Es esa?", when(lang, *date, *time).trim_start_matches("el ")) } else { format!("I see your appointment on {}. Is that the one?", when(lang, *date, *time)) },
        Line::WhichAppointment { count } => if es { format!("Veo {count} citas a su número. Le leo la primera.") } else { format!("I see {count} appointments for your number. Here is the first one.") },
        Line::AskCode => if es { "No encuentro una cita con su número. Diga o marque su código de confirmación.".into() } else { "I couldn't find an appointment for your number. Please say or type your confirmation code.".into() },
        Line::CodeNotFound => if es { "No encuentro ese código.".into() } else { "I couldn't find that code.".into() },
        Line::NoAppointmentFound => if es { "No encontré la cita. Puedo pasarle con una persona o tomar un mensaje.".into() } else { "I couldn't find that appointment. I can take a message for the team.".into() },
        Line::ConfirmCancel { date, time } => if es { format!("¿Cancelo su cita del {}?", when(lang, *date, *time).trim_start_matches("el ")) } else { format!("Shall I cancel your appointment on {}?", when(lang, *date, *time)) },
        Line::Cancelled => if es { "Su cita ha sido cancelada. Le enviaré un mensaje de confirmación.".into() } else { "Your appointment is cancelled. I'll text you a confirmation.".into() },
        Line::AskNewTime => if es { "¿A qué día y hora la quiere cambiar?".into() } else { "What day and time would you like to move it to?".into() },
        Line::ConfirmMove { date, time } => if es { format!("¿La cambio al {}?", when(lang, *date, *time).trim_start_matches("el ")) } else { format!("Shall I move it to {}?", when(lang, *date, *time)) },
        Line::Moved { date, time, code } => if es { format!("Listo, su cita quedó para el {}. Su código sigue siendo {}.", when(lang, *date, *time).trim_start_matches("el "), spoken_code(code)) } else { format!("Done. Your appointment is now {}. Your code is still {}.", when(lang, *date, *time), spoken_code(code)) },
        Line::KeptAsIs => if es { "De acuerdo, no cambié nada.".into() } else { "Okay, I haven't changed anything.".into() },
        Line::Prices { services } => {
            let items: Vec<String> = services
                .iter()
                .map(|(n, p)| match p {
                    Some(c) => format!("{n}, {}", money(lang, *c)),
                    None => n.clone(),
                })
                .collect();
            if es { format!("Nuestros servicios: {}.", items.join("; ")) } else { format!("Our services: {}.", items.join("; ")) }
        }
        Line::NoPrices => if es { "No tengo la lista de precios a mano; con gusto le paso el mensaje al equipo.".into() } else { "I don't have the price list at hand; I'm happy to pass your question to the team.".into() },
        Line::Hours { today, week } => if es { format!("Hoy {today}. {week}.") } else { format!("Today we're {today}. {week}.") },
        Line::Location { address, directions } => match (address, es) {
            (Some(a), false) => format!("We're at {a}.{}", directions.map(|d| format!(" {d}")).unwrap_or_default()),
            (Some(a), true) => format!("Estamos en {a}.{}", directions.map(|d| format!(" {d}")).unwrap_or_default()),
            (None, false) => "I don't have the address on file; the team will be glad to help.".into(),
            (None, true) => "No tengo la dirección registrada; el equipo le puede ayudar.".into(),
        },
        Line::Faq { answer } => answer.to_string(),
        Line::Transferring => if es { "Un momento, le comunico.".into() } else { "One moment, I'll put you through.".into() },
        Line::OwnerUnavailable => if es { "No fue posible comunicarle.".into() } else { "I couldn't reach anyone right now.".into() },
        Line::LeaveMessage => if es { "Deje su mensaje después del tono y presione numeral al terminar.".into() } else { "Please leave your message after the tone, and press pound when you're done.".into() },
        Line::MessageSaved => if es { "Gracias, su mensaje fue guardado. Le contactaremos pronto. ¡Adiós!".into() } else { "Thank you, your message has been saved. We'll get back to you soon. Goodbye!".into() },
        Line::NotUnderstood => if es { "Disculpe, no le entendí.".into() } else { "Sorry, I didn't understand that.".into() },
        Line::Menu => if es { "Use el teclado: marque 1 para reservar, 2 para cambiar una cita, 3 para cancelar, 4 para horarios y precios, o 0 para hablar con una persona.".into() } else { "Let's use the keypad. Press 1 to book, 2 to change an appointment, 3 to cancel, 4 for hours and prices, or 0 to reach a person.".into() },
        Line::NoInput => if es { "¿Sigue ahí? No le escuché.".into() } else { "Are you still there? I didn't hear anything.".into() },
        Line::OfferVoicemail => if es { "Parece que hay problemas con la línea. Puede dejar un mensaje.".into() } else { "It seems the line isn't clear. You can leave a message instead.".into() },
        Line::AfterHours => if es { "En este momento estamos cerrados.".into() } else { "We're closed right now.".into() },
        Line::AiOff { business } => if es { format!("Gracias por llamar a {business}.") } else { format!("Thank you for calling {business}.") },
        Line::Goodbye => if es { "Gracias por llamar. ¡Que tenga un buen día!".into() } else { "Thank you for calling. Have a great day!".into() },
        Line::SorryError => if es { "Lo siento, tuve un problema técnico. Puede dejar un mensaje y le llamaremos.".into() } else { "I'm sorry, I ran into a technical problem. You can leave a message and we'll call you back.".into() },
        Line::NotInService => "We're sorry, the number you have called is not in service. Lo sentimos, este número no está en servicio. Goodbye.".into(),
    }
}

/// "$35" / "$35.50", "35 dólares".
pub fn money(lang: Lang, cents: i64) -> String {
    let (d, c) = (cents / 100, cents % 100);
    match (lang, c) {
        (Lang::Es, 0) => format!("{d} dólares"),
        (Lang::Es, _) => format!("{d} dólares con {c} centavos"),
        (Lang::En, 0) => format!("${d}"),
        (Lang::En, _) => format!("${d}.{c:02}"),
    }
}

/// A short, spoken reason for an engine refusal code.
pub fn reason(lang: Lang, code: &str) -> String {
    let es = lang == Lang::Es;
    match code {
        "taken" => {
            if es {
                "ya está reservado"
            } else {
                "it's already booked"
            }
        }
        "closed" => {
            if es {
                "ese día estamos cerrados"
            } else {
                "we're closed that day"
            }
        }
        "closure" => {
            if es {
                "ese día estamos cerrados por vacaciones"
            } else {
                "we're closed for a holiday then"
            }
        }
        "outside_hours" => {
            if es {
                "está fuera de nuestro horario"
            } else {
                "it's outside our opening hours"
            }
        }
        "off_grid" => {
            if es {
                "las citas empiezan a otras horas"
            } else {
                "appointments start at other times"
            }
        }
        "in_past" => {
            if es {
                "esa hora ya pasó"
            } else {
                "that time has already passed"
            }
        }
        "too_soon" => {
            if es {
                "es demasiado pronto para reservar"
            } else {
                "that's too soon to book"
            }
        }
        "beyond_horizon" => {
            if es {
                "aún no reservamos tan adelante"
            } else {
                "we don't book that far ahead yet"
            }
        }
        "nonexistent_local_time" => {
            if es {
                "esa hora no existe por el cambio de horario"
            } else {
                "that time doesn't exist because of the clock change"
            }
        }
        _ => {
            if es {
                "no está disponible"
            } else {
                "it isn't available"
            }
        }
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_slowly() {
        assert_eq!(spoken_phone("+15552120987"), "5 5 5, 2 1 2, 0 9 8 7");
        assert_eq!(spoken_code("K7P2QX"), "K, 7, P, 2, Q, X");
        assert_eq!(money(Lang::En, 3550), "$35.50");
        assert_eq!(money(Lang::Es, 3500), "35 dólares");
    }

    #[test]
    fn both_languages_have_every_line() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        let t = NaiveTime::from_hms_opt(15, 0, 0).unwrap();
        let en = say(
            Lang::En,
            &Line::ReadBack {
                date: d,
                time: t,
                name: "Ada",
                phone: "+15552120987",
            },
        );
        let es = say(
            Lang::Es,
            &Line::ReadBack {
                date: d,
                time: t,
                name: "Ada",
                phone: "+15552120987",
            },
        );
        assert!(en.contains("Tuesday, January 5 at 3:00 PM"), "{en}");
        assert!(es.contains("martes 5 de enero a las 15:00"), "{es}");
    }
}
