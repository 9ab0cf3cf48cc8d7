//! Spoken date/time understanding relative to "now": relative days, weekdays,
//! next-week references, month+day, day of month, numeric dates, clock times
//! in digits and words, a.m./p.m. and parts of the day, and self-corrections
//! (the last mention of each part wins). One left-to-right scan produces
//! mentions; date mentions are then grouped and resolved, the last clock wins.

use super::normalize::{Tok, strip_fillers, tokenize_numbers};
use super::{Ambiguity, DateTimeResult, Lang, Period};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

#[derive(Clone, Copy, Debug, PartialEq)]
enum DateM {
    Rel(i64),
    Weekday(u32),
    WeekRef(i64),
    MonthRef(i64),
    Dom(u32),
    Month(u32),
    Year(i32),
    Numeric(u32, u32, Option<i32>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AmPm {
    Am,
    Pm,
    Noon,
    Midnight,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Date(DateM),
    Clock { h: u32, m: u32, ampm: Option<AmPm> },
    Period(Period),
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Mention {
    start: usize,
    end: usize,
    kind: Kind,
}

fn w(toks: &[Tok], i: usize) -> &str {
    match toks.get(i) {
        Some(t) if !t.punct => t.norm.as_str(),
        Some(_) => ",",
        None => "",
    }
}

fn seq_at(toks: &[Tok], i: usize, seq: &[&str]) -> bool {
    seq.iter().enumerate().all(|(k, s)| match toks.get(i + k) {
        Some(t) => !t.punct && t.norm == *s,
        None => false,
    })
}

fn weekday_of(word: &str, lang: Lang) -> Option<u32> {
    let en = match word {
        "monday" | "mondays" => Some(0),
        "tuesday" | "tuesdays" | "tues" => Some(1),
        "wednesday" | "wednesdays" | "weds" => Some(2),
        "thursday" | "thursdays" | "thurs" => Some(3),
        "friday" | "fridays" => Some(4),
        "saturday" | "saturdays" => Some(5),
        "sunday" | "sundays" => Some(6),
        _ => None,
    };
    let es = match word {
        "lunes" => Some(0),
        "martes" => Some(1),
        "miercoles" => Some(2),
        "jueves" => Some(3),
        "viernes" => Some(4),
        "sabado" | "sabados" => Some(5),
        "domingo" | "domingos" => Some(6),
        _ => None,
    };
    match lang {
        Lang::En => en.or(es),
        Lang::Es => es.or(en),
    }
}

fn month_of(word: &str, lang: Lang) -> Option<u32> {
    match lang {
        Lang::En => match word {
            "january" | "jan" => Some(1),
            "february" | "feb" => Some(2),
            "march" => Some(3),
            "april" | "apr" => Some(4),
            "may" => Some(5),
            "june" => Some(6),
            "july" => Some(7),
            "august" | "aug" => Some(8),
            "september" | "sept" => Some(9),
            "october" | "oct" => Some(10),
            "november" | "nov" => Some(11),
            "december" | "dec" => Some(12),
            _ => None,
        },
        Lang::Es => match word {
            "enero" => Some(1),
            "febrero" => Some(2),
            "marzo" => Some(3),
            "abril" => Some(4),
            "mayo" => Some(5),
            "junio" => Some(6),
            "julio" => Some(7),
            "agosto" => Some(8),
            "septiembre" | "setiembre" => Some(9),
            "octubre" => Some(10),
            "noviembre" => Some(11),
            "diciembre" => Some(12),
            _ => None,
        },
    }
}

/// Part-of-day phrase at `i`: (period, tokens, means "today").
fn period_at(toks: &[Tok], i: usize, lang: Lang) -> Option<(Period, usize, bool)> {
    let p_en = |s: &str| match s {
        "morning" | "mornings" => Some(Period::Morning),
        "afternoon" | "afternoons" => Some(Period::Afternoon),
        "evening" | "evenings" => Some(Period::Evening),
        "night" | "nights" => Some(Period::Night),
        _ => None,
    };
    let p_es = |s: &str| match s {
        "manana" | "mananas" | "madrugada" => Some(Period::Morning),
        "tarde" | "tardes" => Some(Period::Afternoon),
        "noche" | "noches" => Some(Period::Night),
        _ => None,
    };
    let a = w(toks, i);
    match lang {
        Lang::En => {
            if a == "tonight" {
                return Some((Period::Night, 1, true));
            }
            if a == "this" {
                return p_en(w(toks, i + 1)).map(|p| (p, 2, true));
            }
            if (a == "in" || a == "at") && w(toks, i + 1) == "the" {
                // "in the a.m." / "in the p.m."
                match w(toks, i + 2) {
                    "am" => return Some((Period::Morning, 3, false)),
                    "pm" => return Some((Period::Afternoon, 3, false)),
                    _ => {}
                }
                return p_en(w(toks, i + 2)).map(|p| (p, 3, false));
            }
            if a == "at" && w(toks, i + 1) == "night" {
                return Some((Period::Night, 2, false));
            }
            if a == "the" {
                return p_en(w(toks, i + 1)).map(|p| (p, 2, false));
            }
            p_en(a).map(|p| (p, 1, false))
        }
        Lang::Es => {
            if a == "esta" {
                return p_es(w(toks, i + 1)).map(|p| (p, 2, true));
            }
            if matches!(a, "de" | "por" | "en" | "a") && matches!(w(toks, i + 1), "la" | "las") {
                return p_es(w(toks, i + 2)).map(|p| (p, 3, false));
            }
            if matches!(a, "la" | "las") {
                return p_es(w(toks, i + 1)).map(|p| (p, 2, false));
            }
            if matches!(a, "de" | "por") && matches!(w(toks, i + 1), "noche" | "madrugada") {
                return p_es(w(toks, i + 1)).map(|p| (p, 2, false));
            }
            if a == "madrugada" {
                return Some((Period::Morning, 1, false));
            }
            // English words sometimes appear in Spanish transcripts
            None
        }
    }
}

/// Words that, placed right before a bare number, make it a clock time.
fn is_time_prep(word: &str, lang: Lang) -> bool {
    match lang {
        Lang::En => matches!(
            word,
            "at" | "around"
                | "about"
                | "by"
                | "before"
                | "after"
                | "until"
                | "till"
                | "til"
                | "from"
                | "say"
                | "like"
                | "approximately"
                | "roughly"
                | "maybe"
                | "between"
                | "do"
                | "for"
                | "past"
        ),
        Lang::Es => matches!(
            word,
            "las"
                | "la"
                | "sobre"
                | "hacia"
                | "tipo"
                | "para"
                | "como"
                | "desde"
                | "hasta"
                | "entre"
        ),
    }
}

fn is_unit_word(word: &str) -> bool {
    matches!(
        word,
        "day"
            | "days"
            | "week"
            | "weeks"
            | "month"
            | "months"
            | "year"
            | "years"
            | "people"
            | "person"
            | "persons"
            | "guests"
            | "minute"
            | "minutes"
            | "mins"
            | "hour"
            | "hours"
            | "times"
            | "dia"
            | "dias"
            | "semana"
            | "semanas"
            | "mes"
            | "meses"
            | "ano"
            | "anos"
            | "personas"
            | "minutos"
            | "veces"
            | "of"
            | "percent"
            | "dollars"
            | "bucks"
            | "dolares"
            | "pesos"
    )
}

fn is_correction_word(word: &str) -> bool {
    matches!(
        word,
        "no" | "sorry"
            | "actually"
            | "mean"
            | "make"
            | "rather"
            | "instead"
            | "or"
            | "wait"
            | "better"
            | "change"
            | "mejor"
            | "perdon"
            | "digo"
            | "o"
            | "espera"
            | "bien"
            | "mas"
            | "cambia"
            | "cambie"
            | "scratch"
            | "nope"
    )
}

/// Trailing clock markers after the hour/minutes: o'clock, en punto, horas,
/// a.m./p.m., noon. Returns (ampm, new index, strong, minutes forced to 0).
fn clock_tail(toks: &[Tok], mut j: usize, lang: Lang) -> (Option<AmPm>, usize, bool) {
    let mut strong = false;
    let mut ampm = None;
    match w(toks, j) {
        "oclock" | "ish" => {
            strong = true;
            j += 1;
        }
        "o" if w(toks, j + 1) == "clock" => {
            strong = true;
            j += 2;
        }
        "en" if w(toks, j + 1) == "punto" => {
            strong = true;
            j += 2;
        }
        "horas" | "hrs" | "hs" | "h" if lang == Lang::Es => {
            strong = true;
            j += 1;
        }
        _ => {}
    }
    // "a las doce del mediodía", "las 12 de la medianoche"
    if matches!(w(toks, j), "de" | "del")
        && (matches!(w(toks, j + 1), "mediodia" | "medianoche")
            || (w(toks, j + 1) == "la" && w(toks, j + 2) == "medianoche"))
    {
        j += if w(toks, j + 1) == "la" { 2 } else { 1 };
    }
    match w(toks, j) {
        "am" => {
            ampm = Some(AmPm::Am);
            strong = true;
            j += 1;
        }
        "pm" => {
            ampm = Some(AmPm::Pm);
            strong = true;
            j += 1;
        }
        "noon" | "mediodia" => {
            ampm = Some(AmPm::Noon);
            strong = true;
            j += 1;
        }
        "midnight" | "medianoche" => {
            ampm = Some(AmPm::Midnight);
            strong = true;
            j += 1;
        }
        _ => {}
    }
    (ampm, j, strong)
}

/// Hour value of the token at `i` (cardinal 0..=24, or Spanish "la una").
fn hour_at(toks: &[Tok], i: usize, lang: Lang) -> Option<u32> {
    let t = toks.get(i)?;
    if let Some(v) = t.cardinal() {
        if v <= 24 && (t.norm.len() <= 2) {
            return Some(v as u32);
        }
        return None;
    }
    if lang == Lang::Es && t.is_any(&["una", "un"]) && i > 0 && w(toks, i - 1) == "la" {
        return Some(1);
    }
    None
}

fn prev_non_punct(toks: &[Tok], i: usize) -> Option<usize> {
    let mut k = i;
    while k > 0 {
        k -= 1;
        if !toks[k].punct {
            return Some(k);
        }
    }
    None
}

/// Minutes spoken before the hour: "quarter past 3", "ten to four", "half past two".
fn minutes_before_hour(toks: &[Tok], i: usize, lang: Lang) -> Option<(u32, u32, usize)> {
    if lang != Lang::En {
        return None;
    }
    let (mins, mut j) = match w(toks, i) {
        "half" => (30, i + 1),
        "quarter" => (15, i + 1),
        _ => {
            let v = toks.get(i)?.cardinal()?;
            if !(1..=30).contains(&v) {
                return None;
            }
            if i > 0 && matches!(w(toks, i - 1), "from" | "between") {
                return None;
            }
            let mut j = i + 1;
            if matches!(w(toks, j), "minutes" | "minute" | "mins") {
                j += 1;
            }
            (v as u32, j)
        }
    };
    let dir = w(toks, j);
    let to = match dir {
        "past" | "after" => false,
        "to" | "till" | "til" | "before" => true,
        "of" if mins == 15 => true,
        _ => return None,
    };
    if mins == 30 && to {
        return None;
    }
    j += 1;
    let h = hour_at(toks, j, lang).filter(|h| (1..=12).contains(h))?;
    j += 1;
    let (hh, mm) = if to {
        (if h == 1 { 12 } else { h - 1 }, 60 - mins)
    } else {
        (h, mins)
    };
    Some((hh, mm, j))
}

/// Clock time starting at hour token `i`.
fn clock_at(
    toks: &[Tok],
    i: usize,
    lang: Lang,
    mentions: &[Mention],
    only_number: bool,
) -> Option<(Kind, usize)> {
    let t = toks.get(i)?;
    // typed "3:30" / "15:00" / "3.30"
    if !t.punct && t.num.is_none() && (t.norm.contains(':') || t.norm.contains('.')) {
        let sep = if t.norm.contains(':') { ':' } else { '.' };
        let mut parts = t.norm.split(sep);
        let h: u32 = parts.next()?.parse().ok()?;
        let ms = parts.next()?;
        if parts.next().is_some() || ms.len() != 2 {
            return None;
        }
        let m: u32 = ms.parse().ok()?;
        if h > 24 || m > 59 {
            return None;
        }
        let (ampm, j, _) = clock_tail(toks, i + 1, lang);
        if sep == '.' && ampm.is_none() {
            let prep = prev_non_punct(toks, i).is_some_and(|k| is_time_prep(w(toks, k), lang));
            if !prep {
                return None;
            }
        }
        let h = if h == 24 { 0 } else { h };
        return Some((Kind::Clock { h, m, ampm }, j));
    }
    let h = hour_at(toks, i, lang)?;
    let mut j = i + 1;
    let mut m = 0;
    let mut hh = h;
    let mut strong = false;
    let nt = toks.get(j);
    if lang == Lang::En
        && matches!(w(toks, j), "oh" | "o")
        && toks
            .get(j + 1)
            .and_then(|x| x.cardinal())
            .is_some_and(|v| v <= 9)
    {
        m = toks.get(j + 1).and_then(|x| x.cardinal()).unwrap_or(0) as u32;
        j += 2;
        strong = true;
    } else if let Some(v) = nt.and_then(|x| x.cardinal()).filter(|v| *v <= 59) {
        let typed2 = nt.is_some_and(|x| {
            x.num
                .as_ref()
                .is_some_and(|n| n.typed && n.digits.len() == 2)
        });
        let word_min = nt.is_some_and(|x| x.num.as_ref().is_some_and(|n| !n.typed)) && v >= 10;
        let unit_after = is_unit_word(w(toks, j + 1)) || month_of(w(toks, j + 1), lang).is_some();
        if (typed2 || word_min) && !unit_after && h <= 23 {
            m = v as u32;
            j += 1;
            strong = true;
        }
    } else if lang == Lang::Es && w(toks, j) == "y" {
        let next = toks.get(j + 1);
        let mm = match w(toks, j + 1) {
            "media" => Some(30),
            "cuarto" => Some(15),
            _ => next
                .and_then(|x| x.cardinal())
                .filter(|v| (1..=59).contains(v))
                .map(|v| v as u32),
        };
        if let Some(mm) = mm {
            m = mm;
            j += 2;
            if matches!(w(toks, j), "minutos" | "min") {
                j += 1;
            }
            strong = true;
        }
    } else if lang == Lang::Es && w(toks, j) == "menos" {
        let mm = match w(toks, j + 1) {
            "cuarto" => Some(15),
            _ => toks
                .get(j + 1)
                .and_then(|x| x.cardinal())
                .filter(|v| (1..=30).contains(v))
                .map(|v| v as u32),
        };
        if let Some(mm) = mm {
            hh = if h <= 1 { 12 } else { h - 1 };
            m = 60 - mm;
            j += 2;
            if matches!(w(toks, j), "minutos" | "min") {
                j += 1;
            }
            strong = true;
        }
    } else if lang == Lang::En
        && w(toks, j) == "and"
        && w(toks, j + 1) == "a"
        && w(toks, j + 2) == "half"
    {
        m = 30;
        j += 3;
        strong = true;
    }
    let (ampm, j2, tail_strong) = clock_tail(toks, j, lang);
    strong |= tail_strong;
    j = j2;
    if h == 0 && !strong {
        return None;
    }
    let after_is_unit = is_unit_word(w(toks, j));
    if after_is_unit && ampm.is_none() {
        return None;
    }
    if !strong && period_at(toks, j, lang).is_some() {
        strong = true;
    }
    if !strong {
        let prev = prev_non_punct(toks, i);
        let prev_w = prev.map(|k| w(toks, k)).unwrap_or("");
        let prev_adjacent = prev.is_some_and(|k| k + 1 == i);
        let es_range = lang == Lang::Es
            && prev_w == "de"
            && w(toks, j) == "a"
            && (toks.get(j + 1).is_some_and(|x| x.is_num()) || w(toks, j + 1) == "las");
        // after a day word: "Tuesday 3", "tomorrow 10" (English only; in
        // Spanish "el sábado 2" is a day of the month)
        let after_day_word = lang == Lang::En
            && prev_adjacent
            && (weekday_of(prev_w, lang).is_some()
                || matches!(prev_w, "today" | "tomorrow" | "tonight"));
        // a number said on its own between pauses: "Tuesday, uh, 11."
        let standalone = prev.is_none_or(|k| k + 1 < i || toks[k].punct)
            && toks.get(j).is_none_or(|x| x.punct)
            && (1..=12).contains(&h)
            && (i == 0 || toks[i - 1].punct);
        if is_time_prep(prev_w, lang) || es_range {
            strong = !(prev_w == "for" && after_is_unit);
        } else if after_day_word || only_number || standalone {
            strong = true;
        } else if mentions
            .iter()
            .any(|m| matches!(m.kind, Kind::Clock { .. }))
        {
            // a correction: "at 3, no, 4"
            let lo = i.saturating_sub(4);
            strong = (lo..i).any(|k| is_correction_word(w(toks, k)));
        }
    }
    if !strong {
        return None;
    }
    let hh = if h == 24 { 0 } else { hh };
    Some((Kind::Clock { h: hh, m, ampm }, j))
}

/// Year right after a day: ", 2027", "de 2027", "del 2027".
fn year_at(toks: &[Tok], i: usize) -> Option<(i32, usize)> {
    let mut j = i;
    while matches!(w(toks, j), "," | "of" | "de" | "del") && j < i + 2 {
        j += 1;
    }
    let t = toks.get(j)?;
    let v = t.cardinal()?;
    if (2000..=2100).contains(&v) || (1900..2000).contains(&v) {
        return Some((v as i32, j + 1));
    }
    if v == 20
        && let Some(y) = toks
            .get(j + 1)
            .and_then(|x| x.cardinal())
            .filter(|y| *y <= 99)
    {
        return Some((2000 + y as i32, j + 2));
    }
    None
}

/// Does a time marker follow index `j` (so a number there is a time, not a day)?
fn timeish_after(toks: &[Tok], j: usize, lang: Lang) -> bool {
    let a = w(toks, j);
    matches!(
        a,
        "am" | "pm" | "oclock" | "horas" | "hrs" | "menos" | "noon" | "ish"
    ) || (a == "o" && w(toks, j + 1) == "clock")
        || (a == "y" && matches!(w(toks, j + 1), "media" | "cuarto"))
        || (a == "en" && w(toks, j + 1) == "punto")
        || period_at(toks, j, lang).is_some()
}

fn parse_numeric_date(norm: &str, lang: Lang) -> Option<DateM> {
    if !norm.contains('/') {
        return None;
    }
    let parts: Vec<&str> = norm.split('/').collect();
    if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    let a: u32 = parts[0].parse().ok()?;
    let b: u32 = parts[1].parse().ok()?;
    let y: Option<i32> = match parts.get(2) {
        Some(p) => {
            let v: i32 = p.parse().ok()?;
            Some(if v < 100 { 2000 + v } else { v })
        }
        None => None,
    };
    let (mut m, mut d) = match lang {
        Lang::En => (a, b),
        Lang::Es => (b, a),
    };
    if m > 12 && d <= 12 {
        std::mem::swap(&mut m, &mut d);
    }
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(DateM::Numeric(m, d, y))
}

/// Day-of-month value at `i` if the token can be a day (1..=31).
fn day_value(t: &Tok) -> Option<u32> {
    let n = t.num.as_ref()?;
    if (1..=31).contains(&n.value) && n.digits.len() <= 2 {
        Some(n.value as u32)
    } else {
        None
    }
}

struct Scan {
    mentions: Vec<Mention>,
}

fn scan(toks: &[Tok], lang: Lang) -> Scan {
    let mut mentions: Vec<Mention> = Vec::new();
    let content_count = toks.iter().filter(|t| !t.punct).count();
    let mut i = 0;
    let n = toks.len();
    let push = |ms: &mut Vec<Mention>, s: usize, e: usize, k: Kind| {
        ms.push(Mention {
            start: s,
            end: e,
            kind: k,
        });
    };
    while i < n {
        let t = &toks[i];
        if t.punct {
            i += 1;
            continue;
        }
        let a = t.norm.as_str();
        // numeric dates 3/4, 3/4/2026
        if let Some(dm) = parse_numeric_date(a, lang) {
            push(&mut mentions, i, i + 1, Kind::Date(dm));
            i += 1;
            continue;
        }
        // part of day (before "mañana" = tomorrow)
        if let Some((p, len, today)) = period_at(toks, i, lang) {
            if today {
                push(&mut mentions, i, i + len, Kind::Date(DateM::Rel(0)));
            }
            push(&mut mentions, i, i + len, Kind::Period(p));
            i += len;
            continue;
        }
        // noon / midnight alone
        if matches!(a, "noon" | "midday" | "mediodia" | "lunchtime")
            || seq_at(toks, i, &["medio", "dia"])
        {
            let len = if a == "medio" { 2 } else { 1 };
            let ampm = Some(AmPm::Noon);
            push(&mut mentions, i, i + len, Kind::Clock { h: 12, m: 0, ampm });
            i += len;
            continue;
        }
        if matches!(a, "midnight" | "medianoche") {
            push(
                &mut mentions,
                i,
                i + 1,
                Kind::Clock {
                    h: 0,
                    m: 0,
                    ampm: Some(AmPm::Midnight),
                },
            );
            i += 1;
            continue;
        }
        // relative days
        let rel: Option<(i64, usize)> = match lang {
            Lang::En => {
                if a == "today" {
                    Some((0, 1))
                } else if matches!(a, "tomorrow" | "tomorow" | "tmrw" | "tomorrows") {
                    Some((1, 1))
                } else if seq_at(toks, i, &["day", "after", "tomorrow"]) {
                    Some((2, 3))
                } else {
                    None
                }
            }
            Lang::Es => {
                if a == "hoy" {
                    Some((0, 1))
                } else if a == "pasado" && w(toks, i + 1) == "manana" {
                    Some((2, 2))
                } else if a == "manana"
                    && !(i > 0 && matches!(w(toks, i - 1), "la" | "esta" | "las"))
                {
                    Some((1, 1))
                } else {
                    None
                }
            }
        };
        if let Some((d, len)) = rel {
            push(&mut mentions, i, i + len, Kind::Date(DateM::Rel(d)));
            i += len;
            continue;
        }
        // in N days / weeks, en N días, dentro de N días
        if let Some((d, len)) = in_n_days(toks, i, lang) {
            push(&mut mentions, i, i + len, Kind::Date(DateM::Rel(d)));
            i += len;
            continue;
        }
        if let Some((off, len)) = week_ref(toks, i, lang) {
            push(&mut mentions, i, i + len, Kind::Date(DateM::WeekRef(off)));
            i += len;
            continue;
        }
        if let Some((off, len)) = month_ref(toks, i, lang) {
            push(&mut mentions, i, i + len, Kind::Date(DateM::MonthRef(off)));
            i += len;
            continue;
        }
        if let Some(wd) = weekday_of(a, lang) {
            let mut len = 1;
            if seq_at(toks, i + 1, &["que", "viene"]) || seq_at(toks, i + 1, &["que", "entra"]) {
                len = 3;
            } else if matches!(w(toks, i + 1), "proximo" | "entrante") {
                len = 2;
            }
            push(&mut mentions, i, i + len, Kind::Date(DateM::Weekday(wd)));
            i += len;
            continue;
        }
        // month first: "March 3rd", "March the 3rd", "marzo 3"
        if let Some(mo) = month_of(a, lang) {
            let mut j = i + 1;
            while matches!(w(toks, j), "the" | "el" | "dia") && j < i + 3 {
                j += 1;
            }
            if let Some(d) = toks.get(j).and_then(day_value)
                && (!timeish_after(toks, j + 1, lang)
                    || toks.get(j).is_some_and(|x| x.ordinal().is_some()))
            {
                push(&mut mentions, i, i + 1, Kind::Date(DateM::Month(mo)));
                push(&mut mentions, j, j + 1, Kind::Date(DateM::Dom(d)));
                let mut end = j + 1;
                if let Some((y, e)) = year_at(toks, end) {
                    push(&mut mentions, end, e, Kind::Date(DateM::Year(y)));
                    end = e;
                }
                i = end;
                continue;
            }
            if a != "may" {
                push(&mut mentions, i, i + 1, Kind::Date(DateM::Month(mo)));
                let mut end = i + 1;
                if let Some((y, e)) = year_at(toks, end) {
                    push(&mut mentions, end, e, Kind::Date(DateM::Year(y)));
                    end = e;
                }
                i = end;
                continue;
            }
        }
        // minutes before the hour: quarter past 3
        if let Some((h, m, j)) = minutes_before_hour(toks, i, lang) {
            let (ampm, j2, _) = clock_tail(toks, j, lang);
            push(&mut mentions, i, j2, Kind::Clock { h, m, ampm });
            i = j2;
            continue;
        }
        if t.num.is_some() {
            // day + month: "3rd of March", "3 de marzo"
            if let Some(d) = day_value(t) {
                let mut j = i + 1;
                if matches!(w(toks, j), "of" | "de") {
                    j += 1;
                }
                if let Some(mo) = month_of(w(toks, j), lang) {
                    push(&mut mentions, i, i + 1, Kind::Date(DateM::Dom(d)));
                    push(&mut mentions, j, j + 1, Kind::Date(DateM::Month(mo)));
                    let mut end = j + 1;
                    if let Some((y, e)) = year_at(toks, end) {
                        push(&mut mentions, end, e, Kind::Date(DateM::Year(y)));
                        end = e;
                    }
                    i = end;
                    continue;
                }
                // day of month alone
                if is_dom(toks, i, lang) {
                    push(&mut mentions, i, i + 1, Kind::Date(DateM::Dom(d)));
                    i += 1;
                    continue;
                }
            }
            // "3 days from now"
            if let Some(v) = t.cardinal()
                && matches!(w(toks, i + 1), "days" | "day" | "weeks" | "week")
                && w(toks, i + 2) == "from"
                && matches!(w(toks, i + 3), "now" | "today")
            {
                let mult = if w(toks, i + 1).starts_with("week") {
                    7
                } else {
                    1
                };
                let d = (v.min(400) as i64) * mult;
                push(&mut mentions, i, i + 4, Kind::Date(DateM::Rel(d)));
                i += 4;
                continue;
            }
        }
        let only_number = content_count <= 3
            && toks
                .iter()
                .enumerate()
                .filter(|(k, x)| !x.punct && *k != i)
                .all(|(_, x)| {
                    x.is_any(&[
                        "am", "pm", "oclock", "maybe", "at", "around", "how", "about", "say", "y",
                        "media", "cuarto", "a", "las", "la", "una", "o", "clock", "ish",
                    ]) || x.is_num()
                });
        if let Some((k, end)) = clock_at(toks, i, lang, &mentions, only_number) {
            push(&mut mentions, i, end, k);
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    Scan { mentions }
}

fn in_n_days(toks: &[Tok], i: usize, lang: Lang) -> Option<(i64, usize)> {
    let a = w(toks, i);
    let mut j = match (lang, a) {
        (Lang::En, "in") => i + 1,
        (Lang::En, "within") => i + 1,
        (Lang::Es, "en") => i + 1,
        (Lang::Es, "dentro") if w(toks, i + 1) == "de" => i + 2,
        _ => return None,
    };
    if matches!(
        w(toks, j),
        "like"
            | "about"
            | "around"
            | "maybe"
            | "roughly"
            | "approximately"
            | "just"
            | "unos"
            | "unas"
            | "como"
    ) {
        j += 1;
    }
    let n: i64 = match w(toks, j) {
        "a" | "an" | "un" | "una" => {
            if seq_at(toks, j + 1, &["couple", "of"]) {
                j += 2;
                2
            } else if w(toks, j + 1) == "couple" {
                j += 1;
                2
            } else {
                1
            }
        }
        "couple" => 2,
        _ => toks.get(j)?.cardinal()?.min(400) as i64,
    };
    j += 1;
    let unit = w(toks, j);
    let mult = match unit {
        "day" | "days" | "dia" | "dias" => 1,
        "week" | "weeks" | "semana" | "semanas" => 7,
        _ => return None,
    };
    Some((n * mult, j + 1 - i))
}

fn week_ref(toks: &[Tok], i: usize, lang: Lang) -> Option<(i64, usize)> {
    let pats: &[(&[&str], i64)] = match lang {
        Lang::En => &[
            (&["the", "week", "after", "next"], 2),
            (&["week", "after", "next"], 2),
            (&["next", "week"], 1),
            (&["the", "following", "week"], 1),
            (&["following", "week"], 1),
            (&["this", "coming", "week"], 1),
            (&["the", "next", "week"], 1),
            (&["this", "week"], 0),
        ],
        Lang::Es => &[
            (&["la", "proxima", "semana"], 1),
            (&["proxima", "semana"], 1),
            (&["la", "semana", "que", "viene"], 1),
            (&["semana", "que", "viene"], 1),
            (&["la", "semana", "proxima"], 1),
            (&["semana", "proxima"], 1),
            (&["la", "siguiente", "semana"], 1),
            (&["la", "semana", "siguiente"], 1),
            (&["la", "semana", "entrante"], 1),
            (&["la", "semana", "que", "entra"], 1),
            (&["semana", "que", "entra"], 1),
            (&["la", "otra", "semana"], 1),
            (&["esta", "semana"], 0),
        ],
    };
    pats.iter()
        .find(|(p, _)| seq_at(toks, i, p))
        .map(|(p, off)| (*off, p.len()))
}

fn month_ref(toks: &[Tok], i: usize, lang: Lang) -> Option<(i64, usize)> {
    let pats: &[(&[&str], i64)] = match lang {
        Lang::En => &[
            (&["next", "month"], 1),
            (&["the", "following", "month"], 1),
            (&["following", "month"], 1),
            (&["this", "month"], 0),
        ],
        Lang::Es => &[
            (&["mes", "que", "viene"], 1),
            (&["proximo", "mes"], 1),
            (&["mes", "proximo"], 1),
            (&["siguiente", "mes"], 1),
            (&["mes", "siguiente"], 1),
            (&["este", "mes"], 0),
        ],
    };
    pats.iter()
        .find(|(p, _)| seq_at(toks, i, p))
        .map(|(p, off)| (*off, p.len()))
}

/// Is the number at `i` a day of month said alone ("the 15th", "el 15", "el sábado 2")?
fn is_dom(toks: &[Tok], i: usize, lang: Lang) -> bool {
    let Some(t) = toks.get(i) else { return false };
    let Some(n) = t.num.as_ref() else {
        return false;
    };
    let prev = if i > 0 { w(toks, i - 1) } else { "" };
    let prev2 = if i > 1 { w(toks, i - 2) } else { "" };
    let mut after_time = timeish_after(toks, i + 1, lang) || is_unit_word(w(toks, i + 1));
    if lang == Lang::Es
        && weekday_of(prev, lang).is_some()
        && matches!(w(toks, i + 1), "por" | "en" | "a" | "para")
    {
        // "el lunes 9 por la tarde": the period belongs to the day
        after_time = false;
    }
    if n.ordinal {
        if n.typed {
            return !is_unit_word(w(toks, i + 1));
        }
        // word ordinals need an article or a weekday before them
        let ok_prev =
            matches!(prev, "the" | "el" | "dia" | "on") || weekday_of(prev, lang).is_some();
        let blocked_next = matches!(
            w(toks, i + 1),
            "available"
                | "appointment"
                | "time"
                | "thing"
                | "one"
                | "slot"
                | "opening"
                | "step"
                | "visit"
                | "floor"
                | "name"
                | "cita"
                | "vez"
        );
        return ok_prev && !blocked_next;
    }
    if after_time {
        return false;
    }
    match lang {
        Lang::En => matches!(prev, "the") && !matches!(w(toks, i + 1), "of" | "people"),
        Lang::Es => {
            matches!(prev, "el" | "dia") || (weekday_of(prev, lang).is_some() && prev2 != "a")
        }
    }
}

fn weekday_after(today: NaiveDate, wd: u32) -> Option<NaiveDate> {
    let cur = today.weekday().num_days_from_monday();
    let mut diff = (wd % 7 + 7 - cur) % 7;
    if diff == 0 {
        diff = 7;
    }
    today.checked_add_signed(Duration::days(i64::from(diff)))
}

fn resolve_month_day(
    today: NaiveDate,
    m: u32,
    d: u32,
    y: Option<i32>,
    amb: &mut Vec<Ambiguity>,
) -> Option<NaiveDate> {
    if let Some(y) = y {
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    for k in 0..9 {
        let yy = today.year() + k;
        if let Some(dt) = NaiveDate::from_ymd_opt(yy, m, d)
            && dt >= today
        {
            if k > 0 {
                amb.push(Ambiguity::DateRolledToNextYear);
            }
            return Some(dt);
        }
    }
    None
}

fn resolve_dom(today: NaiveDate, d: u32, amb: &mut Vec<Ambiguity>) -> Option<NaiveDate> {
    let mut y = today.year();
    let mut m = today.month();
    for k in 0..13 {
        if let Some(dt) = NaiveDate::from_ymd_opt(y, m, d)
            && dt >= today
        {
            if k > 0 {
                amb.push(Ambiguity::DayRolledToLaterMonth);
            }
            return Some(dt);
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    None
}

#[derive(Default, Clone, Copy)]
struct Group {
    rel: Option<i64>,
    wd: Option<u32>,
    wr: Option<i64>,
    mr: Option<i64>,
    dom: Option<u32>,
    month: Option<u32>,
    year: Option<i32>,
    numeric: Option<(u32, u32, Option<i32>)>,
    start: usize,
    end: usize,
    any: bool,
}

impl Group {
    /// Add a mention; false if that part is already set (a correction).
    fn add(&mut self, d: DateM) -> bool {
        macro_rules! set {
            ($f:ident, $v:expr) => {{
                if self.$f.is_some() {
                    return false;
                }
                self.$f = Some($v);
            }};
        }
        match d {
            DateM::Rel(x) => set!(rel, x),
            DateM::Weekday(x) => set!(wd, x),
            DateM::WeekRef(x) => set!(wr, x),
            DateM::MonthRef(x) => set!(mr, x),
            DateM::Dom(x) => set!(dom, x),
            DateM::Month(x) => set!(month, x),
            DateM::Year(x) => set!(year, x),
            DateM::Numeric(a, b, c) => set!(numeric, (a, b, c)),
        }
        self.any = true;
        true
    }

    fn resolve(&self, today: NaiveDate, amb: &mut Vec<Ambiguity>) -> Option<NaiveDate> {
        if let Some((m, d, y)) = self.numeric {
            return resolve_month_day(today, m, d, y, amb);
        }
        if let (Some(m), Some(d)) = (self.month, self.dom) {
            return resolve_month_day(today, m, d, self.year, amb);
        }
        if let (Some(off), Some(d)) = (self.mr, self.dom) {
            let m0 = today.month0() as i64 + off;
            let y = today.year() as i64 + m0.div_euclid(12);
            let m = m0.rem_euclid(12) as u32 + 1;
            return NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
        }
        if let Some(d) = self.dom {
            return resolve_dom(today, d, amb);
        }
        if let Some(r) = self.rel {
            return today.checked_add_signed(Duration::days(r));
        }
        if let Some(wd) = self.wd {
            if let Some(off) = self.wr {
                let monday = today.checked_sub_signed(Duration::days(i64::from(
                    today.weekday().num_days_from_monday(),
                )))?;
                let dt = monday.checked_add_signed(Duration::days(7 * off + i64::from(wd)))?;
                if dt > today || off > 0 {
                    return Some(dt);
                }
                return weekday_after(today, wd);
            }
            return weekday_after(today, wd);
        }
        None
    }
}

fn is_connector(word: &str) -> bool {
    matches!(
        word,
        "," | "the"
            | "of"
            | "on"
            | "de"
            | "del"
            | "el"
            | "la"
            | "dia"
            | "this"
            | "este"
            | "esta"
            | "at"
            | "a"
            | "las"
            | "around"
            | "about"
            | "in"
            | "en"
            | "for"
            | "para"
            | "por"
            | "maybe"
            | "say"
            | "sometime"
            | "any"
            | "time"
            | "that"
            | "is"
            | "be"
            | "next"
            | "coming"
            | "proximo"
            | "proxima"
    )
}

/// Was the mention starting at `start` negated ("not Tuesday", "no el martes")?
fn negated(toks: &[Tok], start: usize) -> bool {
    let mut k = start;
    let mut steps = 0;
    while k > 0 && steps < 3 {
        k -= 1;
        steps += 1;
        let t = &toks[k];
        if t.punct {
            return false;
        }
        if matches!(t.norm.as_str(), "not" | "no" | "nunca" | "except") {
            // "no" at the very start followed directly by the date is an answer ("No, Tuesday" has a comma)
            return true;
        }
        if !matches!(
            t.norm.as_str(),
            "the" | "on" | "el" | "this" | "este" | "for" | "para" | "at" | "a" | "las"
        ) {
            return false;
        }
    }
    false
}

/// Is the group `start..end` negated after the fact ("este domingo no, …")?
fn post_negated(toks: &[Tok], end: usize) -> bool {
    toks.get(end).is_some_and(|t| t.is_any(&["no", "not"]))
        && toks.get(end + 1).is_none_or(|t| t.punct)
}

/// Is the group at `start` only a confirmation of an earlier date
/// ("tomorrow at 10, that's Saturday, right?", "el 20, que es sábado")?
fn confirmation(toks: &[Tok], start: usize) -> bool {
    let before = |k: usize| if start >= k { w(toks, start - k) } else { "" };
    matches!(
        (before(2), before(1)),
        (_, "thats")
            | ("thats", "a")
            | ("which", "is")
            | ("which", "would")
            | ("that", "is")
            | ("que", "es")
            | ("que", "seria")
            | ("que", "cae")
            | ("es", "el")
            | ("seria", "el")
            | ("is", "that")
            | ("isnt", "that")
    )
}

pub fn parse(text: &str, lang: Lang, now: NaiveDateTime) -> DateTimeResult {
    let toks = strip_fillers(&tokenize_numbers(text, lang), lang);
    let today = now.date();
    let sc = scan(&toks, lang);
    let mut amb: Vec<Ambiguity> = Vec::new();

    // ---- date: group adjacent date mentions, the last resolvable group wins
    let mut groups: Vec<(Group, usize)> = Vec::new();
    let mut cur = Group::default();
    let mut last_end: Option<usize> = None;
    for m in &sc.mentions {
        let Kind::Date(d) = m.kind else { continue };
        let adjacent = match last_end {
            Some(e) if m.start >= e => {
                let gap = &toks[e..m.start];
                let covered = |k: usize| {
                    sc.mentions
                        .iter()
                        .any(|mm| !matches!(mm.kind, Kind::Date(_)) && mm.start <= k && k < mm.end)
                };
                gap.len() <= 6
                    && gap.iter().enumerate().all(|(o, t)| {
                        is_connector(if t.punct { "," } else { &t.norm }) || covered(e + o)
                    })
            }
            Some(_) => true,
            None => false,
        };
        if !adjacent || !cur.add(d) {
            if cur.any {
                groups.push((cur, cur.start));
            }
            cur = Group {
                start: m.start,
                ..Group::default()
            };
            cur.add(d);
        }
        cur.end = m.end;
        last_end = Some(m.end);
    }
    if cur.any {
        groups.push((cur, cur.start));
    }
    let mut date = None;
    let mut resolved_groups = 0;
    for (idx, (g, start)) in groups.iter().enumerate() {
        if (negated(&toks, *start) || post_negated(&toks, g.end)) && groups.len() > 1 {
            continue;
        }
        if idx > 0
            && date.is_some()
            && confirmation(&toks, *start)
            && g.wd.is_some()
            && g.dom.is_none()
        {
            continue;
        }
        let mut a = Vec::new();
        match g.resolve(today, &mut a) {
            Some(d) => {
                date = Some(d);
                resolved_groups += 1;
                amb.retain(|x| {
                    !matches!(
                        x,
                        Ambiguity::DateRolledToNextYear | Ambiguity::DayRolledToLaterMonth
                    )
                });
                amb.extend(a);
            }
            None => {
                if g.dom.is_some() || g.numeric.is_some() {
                    amb.push(Ambiguity::InvalidDate);
                }
            }
        }
    }

    // ---- time: the last clock wins; its period is the nearest part-of-day
    let clocks: Vec<&Mention> = sc
        .mentions
        .iter()
        .filter(|m| matches!(m.kind, Kind::Clock { .. }))
        .collect();
    let periods: Vec<(usize, Period)> = sc
        .mentions
        .iter()
        .filter_map(|m| match m.kind {
            Kind::Period(p) => Some((m.start, p)),
            _ => None,
        })
        .collect();
    let mut time = None;
    let mut period = periods.last().map(|p| p.1);
    if let Some(c) = clocks.last() {
        if let Kind::Clock { h, m, ampm } = c.kind {
            let near = periods
                .iter()
                .min_by_key(|(s, _)| {
                    if *s >= c.end {
                        *s - c.end
                    } else {
                        c.start.saturating_sub(*s)
                    }
                })
                .map(|p| p.1);
            let hour = match ampm {
                Some(AmPm::Am) => {
                    if h == 12 {
                        0
                    } else {
                        h
                    }
                }
                Some(AmPm::Pm) => {
                    if h < 12 {
                        h + 12
                    } else {
                        h
                    }
                }
                Some(AmPm::Noon) => 12,
                Some(AmPm::Midnight) => 0,
                None if h == 0 || h > 12 => h,
                None => match near {
                    Some(Period::Morning) => h,
                    Some(Period::Afternoon) | Some(Period::Evening) => {
                        if h < 12 {
                            h + 12
                        } else {
                            h
                        }
                    }
                    Some(Period::Night) => {
                        if h == 12 {
                            0
                        } else if h <= 3 && lang == Lang::Es {
                            h
                        } else {
                            h + 12
                        }
                    }
                    None => {
                        amb.push(Ambiguity::AmPmGuessed);
                        if (1..=7).contains(&h) { h + 12 } else { h }
                    }
                },
            };
            time = NaiveTime::from_hms_opt(hour % 24, m.min(59), 0);
            if near.is_some() {
                period = near;
            }
        }
    } else if period.is_some() {
        amb.push(Ambiguity::PeriodWithoutTime);
    }
    if resolved_groups > 1 || clocks.len() > 1 {
        amb.push(Ambiguity::Corrected);
    }
    let mut confidence: f32 = match (date.is_some(), time.is_some()) {
        (true, true) => 0.95,
        (true, false) | (false, true) => 0.85,
        (false, false) => {
            if period.is_some() {
                0.5
            } else {
                0.0
            }
        }
    };
    for a in &amb {
        confidence -= match a {
            Ambiguity::AmPmGuessed => 0.1,
            Ambiguity::Corrected => 0.05,
            Ambiguity::InvalidDate => 0.2,
            _ => 0.02,
        };
    }
    DateTimeResult {
        date,
        time,
        period,
        confidence: confidence.clamp(0.0, 1.0),
        ambiguous: amb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap_or_default()
    }

    /// (lang, now, text, date, time)
    type Case = (
        Lang,
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
    );

    fn run(table: &[Case]) {
        let mut bad = Vec::new();
        for (lang, n, text, d, t) in table {
            let r = parse(text, *lang, now(n));
            let gd = r.date.map(|x| x.format("%Y-%m-%d").to_string());
            let gt = r.time.map(|x| x.format("%H:%M").to_string());
            if gd.as_deref() != *d || gt.as_deref() != *t {
                bad.push(format!("{text:?}: got {gd:?} {gt:?}, want {d:?} {t:?}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    const MON: &str = "2026-03-02T10:00"; // a Monday

    #[test]
    fn relative_days() {
        run(&[
            (Lang::En, MON, "Today.", Some("2026-03-02"), None),
            (Lang::En, MON, "Tomorrow please", Some("2026-03-03"), None),
            (
                Lang::En,
                MON,
                "The day after tomorrow.",
                Some("2026-03-04"),
                None,
            ),
            (Lang::En, MON, "In 3 days.", Some("2026-03-05"), None),
            (Lang::En, MON, "In three days", Some("2026-03-05"), None),
            (Lang::En, MON, "in a week", Some("2026-03-09"), None),
            (Lang::Es, MON, "Hoy.", Some("2026-03-02"), None),
            (Lang::Es, MON, "Mañana.", Some("2026-03-03"), None),
            (Lang::Es, MON, "manana", Some("2026-03-03"), None),
            (Lang::Es, MON, "Pasado mañana.", Some("2026-03-04"), None),
            (Lang::Es, MON, "En dos días.", Some("2026-03-04"), None),
            (Lang::Es, MON, "Dentro de 5 días", Some("2026-03-07"), None),
        ]);
    }

    #[test]
    fn manana_is_morning_after_article() {
        run(&[
            (Lang::Es, MON, "Por la mañana.", None, None),
            (
                Lang::Es,
                MON,
                "Mañana por la mañana.",
                Some("2026-03-03"),
                None,
            ),
            (
                Lang::Es,
                MON,
                "A las diez de la mañana.",
                None,
                Some("10:00"),
            ),
            (
                Lang::Es,
                MON,
                "Mañana a las 8 de la mañana",
                Some("2026-03-03"),
                Some("08:00"),
            ),
            (Lang::Es, MON, "En la mañana", None, None),
        ]);
        let r = parse("Mañana por la mañana", Lang::Es, now(MON));
        assert_eq!(r.period, Some(Period::Morning));
    }

    #[test]
    fn weekdays() {
        run(&[
            (Lang::En, MON, "Next Wednesday", Some("2026-03-04"), None),
            (Lang::En, MON, "Monday", Some("2026-03-09"), None),
            (Lang::En, MON, "this Friday", Some("2026-03-06"), None),
            (Lang::En, MON, "on Tuesday", Some("2026-03-03"), None),
            (Lang::Es, MON, "El próximo martes", Some("2026-03-03"), None),
            (Lang::Es, MON, "el martes próximo", Some("2026-03-03"), None),
            (Lang::Es, MON, "este jueves", Some("2026-03-05"), None),
            (Lang::Es, MON, "el lunes", Some("2026-03-09"), None),
            (Lang::Es, MON, "el miercoles", Some("2026-03-04"), None),
        ]);
    }

    #[test]
    fn next_week_weekday() {
        run(&[
            (
                Lang::En,
                MON,
                "Next week on Tuesday",
                Some("2026-03-10"),
                None,
            ),
            (Lang::En, MON, "Tuesday next week", Some("2026-03-10"), None),
            (
                Lang::En,
                MON,
                "Tuesday next week at 3",
                Some("2026-03-10"),
                Some("15:00"),
            ),
            (
                Lang::Es,
                MON,
                "La próxima semana el martes",
                Some("2026-03-10"),
                None,
            ),
            (
                Lang::Es,
                MON,
                "el martes de la semana que viene",
                Some("2026-03-10"),
                None,
            ),
            (
                Lang::Es,
                "2026-03-06T10:00",
                "el lunes de la semana que viene",
                Some("2026-03-09"),
                None,
            ),
        ]);
    }

    #[test]
    fn month_day() {
        run(&[
            (Lang::En, MON, "March 3rd", Some("2026-03-03"), None),
            (Lang::En, MON, "the 5th of March", Some("2026-03-05"), None),
            (Lang::En, MON, "March 1st", Some("2027-03-01"), None),
            (Lang::En, MON, "March 2", Some("2026-03-02"), None),
            (Lang::En, MON, "January 10, 2027", Some("2027-01-10"), None),
            (
                Lang::En,
                MON,
                "April the twenty-first",
                Some("2026-04-21"),
                None,
            ),
            (Lang::Es, MON, "el 3 de marzo", Some("2026-03-03"), None),
            (
                Lang::Es,
                MON,
                "el primero de enero",
                Some("2027-01-01"),
                None,
            ),
            (
                Lang::Es,
                MON,
                "el veintidós de abril",
                Some("2026-04-22"),
                None,
            ),
            (
                Lang::Es,
                MON,
                "el 5 de mayo de 2027",
                Some("2027-05-05"),
                None,
            ),
        ]);
    }

    #[test]
    fn day_of_month_alone() {
        run(&[
            (Lang::En, MON, "The 15th", Some("2026-03-15"), None),
            (
                Lang::En,
                MON,
                "on the twenty-first",
                Some("2026-03-21"),
                None,
            ),
            (Lang::En, MON, "the 1st", Some("2026-04-01"), None),
            (
                Lang::En,
                "2026-04-30T10:00",
                "the 31st",
                Some("2026-05-31"),
                None,
            ),
            (Lang::Es, MON, "el 15", Some("2026-03-15"), None),
            (Lang::Es, MON, "el día 15", Some("2026-03-15"), None),
            (Lang::Es, MON, "el veintiuno", Some("2026-03-21"), None),
            (Lang::En, MON, "Friday the 13th", Some("2026-03-13"), None),
            (Lang::Es, MON, "el sábado 7", Some("2026-03-07"), None),
            (Lang::Es, MON, "el sábado 2", Some("2026-03-02"), None),
            (
                Lang::Es,
                MON,
                "El lunes 9 por la tarde",
                Some("2026-03-09"),
                None,
            ),
            (
                Lang::En,
                MON,
                "Next month on the 4th",
                Some("2026-04-04"),
                None,
            ),
            (
                Lang::Es,
                MON,
                "El 4 del mes que viene",
                Some("2026-04-04"),
                None,
            ),
        ]);
    }

    #[test]
    fn numeric_dates() {
        run(&[
            (Lang::En, MON, "3/4", Some("2026-03-04"), None),
            (Lang::Es, MON, "3/4", Some("2026-04-03"), None),
            (Lang::En, MON, "12/25/2026", Some("2026-12-25"), None),
            (Lang::Es, MON, "25/12/26", Some("2026-12-25"), None),
        ]);
    }

    #[test]
    fn times_digits_and_words() {
        run(&[
            (Lang::En, MON, "at 3", None, Some("15:00")),
            (Lang::En, MON, "3:30", None, Some("15:30")),
            (Lang::En, MON, "at 3 30", None, Some("15:30")),
            (Lang::En, MON, "three thirty", None, Some("15:30")),
            (Lang::En, MON, "ten fifteen", None, Some("10:15")),
            (Lang::En, MON, "half past two", None, Some("14:30")),
            (Lang::En, MON, "quarter to four", None, Some("15:45")),
            (Lang::En, MON, "quarter past 9", None, Some("09:15")),
            (Lang::En, MON, "at 9 pm", None, Some("21:00")),
            (Lang::En, MON, "at 9 P.M.", None, Some("21:00")),
            (Lang::En, MON, "11am", None, Some("11:00")),
            (Lang::En, MON, "at noon", None, Some("12:00")),
            (Lang::En, MON, "at 12", None, Some("12:00")),
            (Lang::En, MON, "at 7", None, Some("19:00")),
            (Lang::En, MON, "at 8", None, Some("08:00")),
            (Lang::En, MON, "at 8 in the evening", None, Some("20:00")),
            (Lang::En, MON, "three oh five", None, Some("15:05")),
            (Lang::En, MON, "at 4 o'clock", None, Some("16:00")),
            (Lang::En, MON, "at eight p m", None, Some("20:00")),
            (Lang::En, MON, "Let's do 2.", None, Some("14:00")),
            (
                Lang::Es,
                MON,
                "a las doce del mediodía",
                None,
                Some("12:00"),
            ),
            (Lang::Es, MON, "a las cuatro y veinte", None, Some("16:20")),
            (Lang::Es, MON, "a la una menos cuarto", None, Some("12:45")),
            (Lang::Es, MON, "a las tres", None, Some("15:00")),
            (Lang::Es, MON, "a las 15:00", None, Some("15:00")),
            (Lang::Es, MON, "a las dos y media", None, Some("14:30")),
            (Lang::Es, MON, "a las tres y cuarto", None, Some("15:15")),
            (
                Lang::Es,
                MON,
                "a las cuatro menos cuarto",
                None,
                Some("15:45"),
            ),
            (Lang::Es, MON, "a la una", None, Some("13:00")),
            (Lang::Es, MON, "a las 10 de la noche", None, Some("22:00")),
            (Lang::Es, MON, "al mediodía", None, Some("12:00")),
            (Lang::Es, MON, "a las 9 de la mañana", None, Some("09:00")),
            (Lang::Es, MON, "a las 5 de la tarde", None, Some("17:00")),
        ]);
    }

    #[test]
    fn periods_without_time() {
        let r = parse("Tomorrow afternoon", Lang::En, now(MON));
        assert_eq!(r.time, None);
        assert_eq!(r.period, Some(Period::Afternoon));
        assert_eq!(r.date.map(|d| d.to_string()), Some("2026-03-03".into()));
        let r = parse("El martes por la tarde", Lang::Es, now(MON));
        assert_eq!(r.time, None);
        assert_eq!(r.period, Some(Period::Afternoon));
    }

    #[test]
    fn not_times() {
        run(&[
            (Lang::En, MON, "In 3 days", Some("2026-03-05"), None),
            (Lang::En, MON, "the 15th", Some("2026-03-15"), None),
            (
                Lang::En,
                MON,
                "Next Tuesday around 3",
                Some("2026-03-03"),
                Some("15:00"),
            ),
            (
                Lang::En,
                MON,
                "for 2 people on Friday",
                Some("2026-03-06"),
                None,
            ),
            (Lang::En, MON, "I have 3 kids", None, None),
        ]);
    }

    #[test]
    fn corrections_last_wins() {
        run(&[
            (
                Lang::En,
                MON,
                "Tuesday, no wait, Wednesday",
                Some("2026-03-04"),
                None,
            ),
            (
                Lang::En,
                MON,
                "Friday at 4, sorry, make that Saturday",
                Some("2026-03-07"),
                Some("16:00"),
            ),
            (Lang::En, MON, "at 3, no, 4", None, Some("16:00")),
            (
                Lang::En,
                MON,
                "Wednesday, not Thursday",
                Some("2026-03-04"),
                None,
            ),
            (
                Lang::Es,
                MON,
                "El martes, no, mejor el miércoles a las 10",
                Some("2026-03-04"),
                Some("10:00"),
            ),
            (
                Lang::En,
                MON,
                "Tomorrow at 10, that's Thursday, right?",
                Some("2026-03-03"),
                Some("10:00"),
            ),
            (
                Lang::Es,
                MON,
                "El martes de la semana que viene, este martes no.",
                Some("2026-03-10"),
                None,
            ),
            (
                Lang::Es,
                MON,
                "no el martes sino el miércoles",
                Some("2026-03-04"),
                None,
            ),
            (
                Lang::En,
                MON,
                "I can't do Tuesday, how about Wednesday at 10",
                Some("2026-03-04"),
                Some("10:00"),
            ),
        ]);
    }
}
