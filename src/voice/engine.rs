//! Runs one voice webhook turn inside one database write: load the call's
//! session, ask the flow what to say, carry out its calendar action (book, move,
//! cancel) through `crate::booking`, record the turn and save the session with
//! the answer. Because it is one transaction, a caller who heard "you're all
//! set" is on disk, and a Twilio retry of the same request gets the stored
//! answer instead of a second booking. A test call (`Call::is_test`) books
//! for real but texts and emails nobody.

use super::desk::DbDesk;
use super::flow::{self, Action, Input, Outcome, Profile, Session, SlotRefusal, Turn};
use super::render::render;
use crate::booking;
use crate::db::CachedSql;
use crate::db::{self, messages, outbox, voice as vdb};
use crate::domain::{ClientId, E164};
use crate::error::AppError;
use crate::nlu::Lang;
use crate::scheduling::Rules;
use chrono::{DateTime, Datelike, Utc, Weekday};
use rusqlite::Connection;

/// What Twilio told us about this request.
pub enum Event<'a> {
    /// A call comes in (optionally straight into one language: `/voice/lina/`).
    Start { lang: Option<Lang> },
    /// The caller spoke or typed (or stayed silent) after a `<Gather>`.
    Gather,
    /// A transfer ended with `DialCallStatus`.
    DialResult(&'a str),
    /// A voicemail was recorded.
    Recorded {
        url: Option<&'a str>,
        sid: Option<&'a str>,
        duration: Option<i64>,
    },
    /// Twilio's fallback URL: our primary answer failed.
    Fallback,
}

pub struct Call<'a> {
    pub call_sid: &'a str,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub speech: Option<&'a str>,
    pub digits: Option<&'a str>,
    pub confidence: Option<f64>,
    /// Hash of the request (path, query and parameters): equal for a Twilio retry.
    pub request_key: String,
    /// The `turn` our action URL carried: which answer this request follows.
    pub turn: Option<i64>,
    pub is_test: bool,
    /// The public dashboard URL, for links in the owner's emails.
    pub dashboard: &'a str,
}

fn range_text(lang: Lang, r: &crate::scheduling::TimeRange) -> String {
    let l = super::lang::code(lang);
    let end = r
        .end()
        .map(|e| crate::texts::time(l, e))
        .unwrap_or_else(|| {
            if lang == Lang::Es {
                "medianoche".into()
            } else {
                "midnight".into()
            }
        });
    let start = crate::texts::time(l, r.start());
    if lang == Lang::Es {
        format!("de {start} a {end}")
    } else {
        format!("from {start} to {end}")
    }
}

fn day_text(lang: Lang, rules: &Rules, day: Weekday) -> String {
    let ranges = rules.hours.ranges(day);
    if ranges.is_empty() {
        return if lang == Lang::Es {
            "cerrado".into()
        } else {
            "closed".into()
        };
    }
    let and = if lang == Lang::Es { " y " } else { " and " };
    ranges
        .iter()
        .map(|r| range_text(lang, r))
        .collect::<Vec<_>>()
        .join(and)
}

fn hours_texts(rules: &Rules, now: DateTime<Utc>) -> ((String, String), (String, String)) {
    let today = rules.local_today(now).weekday();
    let week = |lang: Lang| {
        let names_en = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        let names_es = [
            "lunes",
            "martes",
            "miércoles",
            "jueves",
            "viernes",
            "sábado",
            "domingo",
        ];
        let days = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ];
        days.iter()
            .enumerate()
            .map(|(i, d)| {
                format!(
                    "{} {}",
                    if lang == Lang::Es {
                        names_es[i]
                    } else {
                        names_en[i]
                    },
                    day_text(lang, rules, *d)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let today_en = match day_text(Lang::En, rules, today).as_str() {
        "closed" => "closed".to_string(),
        t => format!("open {t}"),
    };
    let today_es = match day_text(Lang::Es, rules, today).as_str() {
        "cerrado" => "estamos cerrados".to_string(),
        t => format!("abrimos {t}"),
    };
    ((today_en, today_es), (week(Lang::En), week(Lang::Es)))
}

fn profile(
    conn: &Connection,
    client: ClientId,
    rules: &Rules,
    caller: Option<&str>,
    known_name: Option<String>,
    now: DateTime<Utc>,
) -> Result<Profile, AppError> {
    let s = db::settings::get(conn, client)?;
    let languages: Vec<Lang> = s
        .languages
        .iter()
        .filter_map(|l| match l.as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        })
        .collect();
    let default = if s.default_language == "es" {
        Lang::Es
    } else {
        Lang::En
    };
    let mut languages = if languages.is_empty() {
        vec![Lang::En]
    } else {
        languages
    };
    languages.sort_by_key(|l| *l != default);
    let (hours_today, hours_week) = hours_texts(rules, now);
    Ok(Profile {
        business: s.business_name,
        greeting_en: s.greeting,
        greeting_es: s.greeting_es,
        languages,
        services: s
            .services
            .into_iter()
            .map(|x| (x.name, x.name_es, x.price_cents))
            .collect(),
        faq: s
            .faq
            .into_iter()
            .map(|f| {
                (
                    if f.language == "es" {
                        Lang::Es
                    } else {
                        Lang::En
                    },
                    f.question,
                    f.answer,
                )
            })
            .collect(),
        address: s.address,
        directions: s.directions,
        owner_phone: s.owner_phone.filter(|p| Some(p.as_str()) != caller),
        caller: caller.map(String::from),
        known_name,
        ai_enabled: vdb::ai_enabled(conn, client)?,
        can_book_after_hours: s.after_hours_mode == "book",
        hours_today,
        hours_week,
    })
}

fn lang_code(l: Lang) -> &'static str {
    super::lang::code(l)
}

/// Runs the calendar action of a turn and returns the flow's next turn.
fn act(
    session: &mut Session,
    action: Action,
    call: &Call<'_>,
    p: &Profile,
    desk: &DbDesk<'_>,
) -> Result<(Turn, &'static str), AppError> {
    let (conn, client, now) = (desk.conn, desk.client, desk.now);
    let refused = |r: booking::Refusal| {
        Outcome::Refused(SlotRefusal {
            code: r.reason.code(),
            alternatives: r.alternatives.iter().map(|s| (s.date, s.time)).collect(),
        })
    };
    let lang = session.lang.unwrap_or(Lang::En);
    let (outcome, label) = match action {
        Action::Book { at, name, phone } => {
            let phone = E164::parse(&phone).map_err(|m| AppError::validation("phone", m))?;
            let req = booking::Request {
                customer_name: name,
                customer_phone: phone,
                customer_email: None,
                date: at.0,
                time: at.1,
                duration: None,
                purpose: None,
                notes: None,
                source: "voice_booking".into(),
                language: Some(lang_code(lang).into()),
                call_sid: Some(call.call_sid.to_string()),
                owner_override: false,
                actor: "voice".into(),
            };
            match booking::book(conn, client, &req, now)? {
                Ok(a) => (
                    Outcome::Booked {
                        code: a.confirmation_code,
                    },
                    "booked",
                ),
                Err(r) => (refused(r), "slot_taken"),
            }
        }
        Action::Move { id, at } => {
            let mv = booking::Move {
                date: at.0,
                time: at.1,
                duration: None,
                owner_override: false,
            };
            match booking::reschedule(conn, client, id, &mv, "voice", now)? {
                Ok(a) => (
                    Outcome::Moved {
                        code: a.confirmation_code,
                        at,
                    },
                    "rescheduled",
                ),
                Err(r) => (refused(r), "slot_taken"),
            }
        }
        Action::Cancel { id } => {
            booking::cancel(conn, client, id, Some("cancelled by phone"), "voice", now)?;
            (Outcome::Cancelled, "cancelled")
        }
    };
    Ok((flow::after(session, outcome, p, desk), label))
}

/// Tells the owner a voicemail arrived: SMS to the owner's phone, an email, and
/// a notification in the dashboard — all through the outbox, once per call.
fn notify_voicemail(
    conn: &Connection,
    client: ClientId,
    call: &Call<'_>,
    url: Option<&str>,
    duration: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let s = db::settings::get(conn, client)?;
    let from = call
        .from
        .and_then(|f| E164::parse(f).ok())
        .map(|e| e.display())
        .unwrap_or_else(|| "an unknown number".into());
    let secs = duration.map(|d| format!(" ({d} s)")).unwrap_or_default();
    let text = format!(
        "RinglyPro: new voicemail from {from}{secs}. Listen in your dashboard.{}",
        url.map(|u| format!(" {u}")).unwrap_or_default()
    );
    if let Some(owner) = s.owner_phone.as_deref().and_then(|p| E164::parse(p).ok()) {
        messages::queue_sms(
            conn,
            &messages::NewSms {
                client_id: client,
                to: &owner,
                body: &text,
                kind: messages::SmsKind::Notification,
                contact_id: None,
                appointment_id: None,
                idempotency_key: &format!("voicemail:{}", call.call_sid),
            },
            now,
        )?;
    }
    if let Some(email) = s.owner_email.as_deref() {
        let lang = db::billing::account(conn, client)?
            .map(|a| a.language)
            .unwrap_or_else(|| "en".into());
        let mail = crate::emails::render(
            &crate::emails::Template::VoicemailReceived {
                from: &from,
                seconds: duration,
                transcription: None,
                recording: url,
                dashboard: call.dashboard,
            },
            &lang,
        );
        outbox::enqueue(
            conn,
            &outbox::NewItem {
                client_id: Some(client),
                channel: outbox::Channel::Email,
                recipient: email,
                subject: Some(&mail.subject),
                body: &mail.text,
                html_body: Some(&mail.html),
                idempotency_key: &format!("voicemail-email:{}", call.call_sid),
            },
            now,
        )?;
    }
    conn.execute_cached(
        "INSERT INTO notifications (client_id, kind, title, body, created_at)
         SELECT ?1, 'voicemail', ?2, ?3, ?4
         WHERE NOT EXISTS (SELECT 1 FROM notifications WHERE client_id = ?1 AND kind = 'voicemail' AND body = ?3)",
        rusqlite::params![client.get(), format!("New voicemail from {from}"), text, crate::clock::to_db(now)],
    )?;
    Ok(())
}

/// One webhook turn. Returns the TwiML to answer with.
pub fn handle(
    conn: &Connection,
    client: ClientId,
    call: &Call<'_>,
    event: Event<'_>,
    now: DateTime<Utc>,
    started: std::time::Instant,
) -> Result<String, AppError> {
    if vdb::sid_taken_elsewhere(conn, client, call.call_sid)? {
        return Err(AppError::Forbidden(
            "that call belongs to another business".into(),
        ));
    }
    let stored = vdb::load_session(conn, client, call.call_sid)?;
    if let Some(s) = &stored
        && let Some(resp) = &s.last_response
    {
        // A retry of the last request, or a late copy of a turn already answered:
        // the answer already given, and nothing done twice.
        let same = s.last_request.as_deref() == Some(call.request_key.as_str());
        let stale = call.turn.is_some_and(|t| t <= s.turn);
        if same || stale {
            return Ok(resp.clone());
        }
    }
    let mut session: Session = stored
        .as_ref()
        .and_then(|s| serde_json::from_str(&s.state).ok())
        .unwrap_or_default();
    let seq = stored.as_ref().map(|s| s.turn).unwrap_or(0) + 1;
    let caller = call
        .from
        .and_then(|f| E164::parse(f).ok())
        .map(|e| e.as_str().to_string());
    let contact = match &caller {
        Some(c) => vdb::caller(conn, client, c)?,
        None => None,
    };
    let call_id = vdb::ensure_call(
        conn,
        client,
        &vdb::NewCall {
            call_sid: call.call_sid,
            from: caller.as_deref().unwrap_or(call.from.unwrap_or("unknown")),
            to: call.to,
            contact_id: contact.as_ref().map(|c| c.0),
            is_test: call.is_test,
        },
        now,
    )?;
    let rules = db::settings::rules(conn, client)?;
    let known_name = contact
        .as_ref()
        .map(|c| c.1.clone())
        .filter(|n| !n.is_empty() && !n.starts_with('('));
    let p = profile(conn, client, &rules, caller.as_deref(), known_name, now)?;
    let desk = DbDesk {
        conn,
        client,
        rules,
        now,
        caller: caller.clone(),
    };
    let mut outcome_label: Option<&'static str> = None;
    // A test call (the dashboard's /test-call) runs the same flow and books for
    // real, but nobody is texted or emailed: what it queues is held below.
    let outbox_mark = if call.is_test {
        Some(db::outbox::last_id(conn)?)
    } else {
        None
    };
    let turn = match event {
        Event::Start { lang } => {
            if let Some(l) = lang {
                session.lang = Some(l);
            } else if session.lang.is_none() {
                session.lang =
                    contact
                        .as_ref()
                        .and_then(|c| c.2.as_deref())
                        .and_then(|l| match l {
                            "es" => Some(Lang::Es),
                            "en" => Some(Lang::En),
                            _ => None,
                        });
            }
            flow::start(&mut session, &p, &desk)
        }
        Event::Gather => {
            let before = session.lang;
            let t = flow::step(
                &mut session,
                Input {
                    speech: call.speech,
                    digits: call.digits,
                },
                &p,
                &desk,
            );
            if before.is_none()
                && let (Some(l), Some(c)) = (session.lang, &contact)
            {
                vdb::set_contact_language(conn, client, c.0, lang_code(l))?;
            }
            t
        }
        Event::DialResult(status) => {
            outcome_label = Some(if status == "completed" {
                "transferred"
            } else {
                "transfer_failed"
            });
            flow::dial_result(&mut session, status, &p)
        }
        Event::Recorded { url, sid, duration } => {
            vdb::set_recording(conn, client, call.call_sid, url, sid, duration, None)?;
            notify_voicemail(conn, client, call, url, duration, now)?;
            outcome_label = Some("voicemail");
            flow::recorded(&mut session, &p)
        }
        Event::Fallback => flow::failure(&mut session, &p),
    };
    let turn = match turn.action.clone() {
        Some(action) => {
            let (t, label) = act(&mut session, action, call, &p, &desk)?;
            outcome_label = Some(label);
            t
        }
        None => turn,
    };
    if let Some(mark) = outbox_mark {
        db::outbox::hold_test_items(conn, client, mark, now)?;
    }
    let twiml = render(&turn, seq + 1).render();
    let state = serde_json::to_string(&session).map_err(AppError::internal)?;
    let step_name = format!("{:?}", session.step);
    vdb::add_turn(
        conn,
        client,
        &vdb::TurnRow {
            call_id,
            seq,
            state: &step_name,
            caller_text: call.speech,
            digits: call.digits,
            confidence: call.confidence,
            reply: &turn.say.join(" "),
            server_ms: started.elapsed().as_secs_f64() * 1000.0,
        },
        now,
    )?;
    vdb::set_call_language_and_outcome(
        conn,
        client,
        call_id,
        session.lang.map(lang_code),
        outcome_label,
    )?;
    vdb::save_session(
        conn,
        client,
        &vdb::SessionWrite {
            call_sid: call.call_sid,
            state: &state,
            turn: seq,
            request: &call.request_key,
            response: &twiml,
        },
        now,
    )?;
    Ok(twiml)
}

/// What a caller hears when the number is not (or no longer) a customer's.
pub fn not_in_service() -> String {
    let t = Turn {
        lang: Lang::En,
        say: vec![super::lang::say(Lang::En, &super::lang::Line::NotInService)],
        next: flow::Next::Hangup,
        action: None,
    };
    render(&t, 0).render()
}

/// The apology when a turn failed: offer voicemail, never a bare error.
pub fn apology(lang: Option<Lang>) -> String {
    let mut s = Session {
        lang,
        ..Session::default()
    };
    let t = flow::failure(&mut s, &Profile::default());
    render(&t, 0).render()
}
