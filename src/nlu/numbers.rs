//! Number words → numbers, in English and Spanish: cardinals ("twenty-one",
//! "cuarenta y dos", "dos mil veintiséis"), ordinals ("twenty-second",
//! "primero"). Only grammatical compounds are merged, so "two thirty" stays
//! 2 | 30 (a time) and "five five five" stays 5 | 5 | 5 (phone digits).

use super::Lang;
use super::normalize::{Num, Tok};

fn en_small(w: &str) -> Option<u64> {
    Some(match w {
        "zero" => 0,
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        _ => return None,
    })
}

fn en_tens(w: &str) -> Option<u64> {
    Some(match w {
        "twenty" => 20,
        "thirty" => 30,
        "forty" | "fourty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

fn en_ordinal(w: &str) -> Option<u64> {
    Some(match w {
        "first" => 1,
        "second" => 2,
        "third" => 3,
        "fourth" => 4,
        "fifth" => 5,
        "sixth" => 6,
        "seventh" => 7,
        "eighth" => 8,
        "ninth" => 9,
        "tenth" => 10,
        "eleventh" => 11,
        "twelfth" => 12,
        "thirteenth" => 13,
        "fourteenth" => 14,
        "fifteenth" => 15,
        "sixteenth" => 16,
        "seventeenth" => 17,
        "eighteenth" => 18,
        "nineteenth" => 19,
        "twentieth" => 20,
        "thirtieth" => 30,
        _ => return None,
    })
}

fn es_small(w: &str) -> Option<u64> {
    Some(match w {
        "cero" => 0,
        "uno" => 1,
        "dos" => 2,
        "tres" => 3,
        "cuatro" => 4,
        "cinco" => 5,
        "seis" => 6,
        "siete" => 7,
        "ocho" => 8,
        "nueve" => 9,
        "diez" => 10,
        "once" => 11,
        "doce" => 12,
        "trece" => 13,
        "catorce" => 14,
        "quince" => 15,
        "dieciseis" => 16,
        "diecisiete" => 17,
        "dieciocho" => 18,
        "diecinueve" => 19,
        "veinte" => 20,
        "veintiuno" | "veintiun" | "veintiuna" => 21,
        "veintidos" => 22,
        "veintitres" => 23,
        "veinticuatro" => 24,
        "veinticinco" => 25,
        "veintiseis" => 26,
        "veintisiete" => 27,
        "veintiocho" => 28,
        "veintinueve" => 29,
        _ => return None,
    })
}

fn es_tens(w: &str) -> Option<u64> {
    Some(match w {
        "treinta" => 30,
        "cuarenta" => 40,
        "cincuenta" => 50,
        "sesenta" => 60,
        "setenta" => 70,
        "ochenta" => 80,
        "noventa" => 90,
        _ => return None,
    })
}

fn es_hundreds(w: &str) -> Option<u64> {
    Some(match w {
        "cien" | "ciento" => 100,
        "doscientos" | "doscientas" => 200,
        "trescientos" | "trescientas" => 300,
        "cuatrocientos" | "cuatrocientas" => 400,
        "quinientos" | "quinientas" => 500,
        "seiscientos" | "seiscientas" => 600,
        "setecientos" | "setecientas" => 700,
        "ochocientos" | "ochocientas" => 800,
        "novecientos" | "novecientas" => 900,
        _ => return None,
    })
}

fn es_ordinal(w: &str) -> Option<u64> {
    match w {
        "primero" | "primer" | "primera" => Some(1),
        _ => None,
    }
}

/// Result of reading one number phrase: value, tokens used, ordinal.
type Read = (u64, usize, bool);

fn word_at(toks: &[Tok], i: usize) -> Option<&str> {
    toks.get(i).filter(|t| !t.punct).map(|t| t.norm.as_str())
}

/// English 0..99 (cardinal or ordinal).
fn en_below_100(toks: &[Tok], i: usize) -> Option<Read> {
    let w = word_at(toks, i)?;
    if let Some(v) = en_small(w) {
        return Some((v, 1, false));
    }
    if let Some(v) = en_ordinal(w) {
        return Some((v, 1, true));
    }
    let t = en_tens(w)?;
    if let Some(n) = word_at(toks, i + 1) {
        if let Some(u) = en_small(n).filter(|u| (1..=9).contains(u)) {
            return Some((t + u, 2, false));
        }
        if let Some(u) = en_ordinal(n).filter(|u| (1..=9).contains(u)) {
            return Some((t + u, 2, true));
        }
    }
    Some((t, 1, false))
}

fn en_number(toks: &[Tok], i: usize) -> Option<Read> {
    let (mut v, mut len, mut ord) = match word_at(toks, i) {
        Some("hundred") | Some("thousand") => (1, 0, false),
        _ => en_below_100(toks, i)?,
    };
    if ord {
        return Some((v, len, ord));
    }
    // hundreds
    if v < 100 && word_at(toks, i + len) == Some("hundred") {
        v *= 100;
        len += 1;
        let mut j = i + len;
        if word_at(toks, j) == Some("and") && en_below_100(toks, j + 1).is_some() {
            j += 1;
        }
        if let Some((r, l, o)) = en_below_100(toks, j).filter(|r| r.0 > 0) {
            v += r;
            len = j + l - i;
            ord = o;
        }
    }
    if !ord && v < 1000 && word_at(toks, i + len) == Some("thousand") {
        v *= 1000;
        len += 1;
        let mut j = i + len;
        if word_at(toks, j) == Some("and") && en_below_100(toks, j + 1).is_some() {
            j += 1;
        }
        if let Some((r, l, o)) = en_below_100(toks, j).filter(|r| r.0 > 0) {
            let mut r = r;
            let mut l = l;
            if !o && r < 10 && word_at(toks, j + l) == Some("hundred") {
                r *= 100;
                l += 1;
                if let Some((r2, l2, o2)) = en_below_100(toks, j + l).filter(|x| x.0 > 0) {
                    r += r2;
                    l += l2;
                    ord = o2;
                }
            } else {
                ord = o;
            }
            v += r;
            len = j + l - i;
        }
    }
    if len == 0 {
        return None;
    }
    Some((v, len, ord))
}

/// Spanish 0..999.
fn es_below_1000(toks: &[Tok], i: usize) -> Option<Read> {
    let w = word_at(toks, i)?;
    if let Some(v) = es_ordinal(w) {
        return Some((v, 1, true));
    }
    let mut v = 0;
    let mut len = 0;
    if let Some(h) = es_hundreds(w) {
        v = h;
        len = 1;
    }
    let j = i + len;
    if let Some(n) = word_at(toks, j) {
        if let Some(s) = es_small(n) {
            if len == 0 || s > 0 {
                return Some((v + s, len + 1, false));
            }
        } else if let Some(t) = es_tens(n) {
            if word_at(toks, j + 1) == Some("y")
                && let Some(u) = word_at(toks, j + 2)
                    .and_then(es_small)
                    .filter(|u| (1..=9).contains(u))
            {
                return Some((v + t + u, len + 3, false));
            }
            return Some((v + t, len + 1, false));
        }
    }
    if len == 0 {
        None
    } else {
        Some((v, len, false))
    }
}

fn es_number(toks: &[Tok], i: usize) -> Option<Read> {
    let first = es_below_1000(toks, i);
    let (mut v, mut len) = match first {
        Some((v, l, true)) => return Some((v, l, true)),
        Some((v, l, false)) => (v, l),
        None => {
            if word_at(toks, i) == Some("mil") {
                (1, 0)
            } else {
                return None;
            }
        }
    };
    if word_at(toks, i + len) == Some("mil") && v > 0 {
        v *= 1000;
        len += 1;
        if let Some((r, l, false)) = es_below_1000(toks, i + len)
            && r > 0
        {
            v += r;
            len += l;
        }
    }
    if len == 0 {
        return None;
    }
    Some((v, len, false))
}

/// Replace number-word phrases with number tokens.
pub fn numberize(toks: Vec<Tok>, lang: Lang) -> Vec<Tok> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if toks[i].punct || toks[i].num.is_some() {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        let read = match lang {
            Lang::En => en_number(&toks, i),
            Lang::Es => es_number(&toks, i),
        };
        match read {
            Some((v, len, ord)) if len > 0 => {
                let end = (i + len).min(toks.len());
                let orig = toks[i..end]
                    .iter()
                    .map(|t| t.orig.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let digits = v.to_string();
                out.push(Tok {
                    norm: digits.clone(),
                    orig,
                    punct: false,
                    hyphen_before: toks[i].hyphen_before,
                    num: Some(Num {
                        value: v,
                        digits,
                        ordinal: ord,
                        typed: false,
                    }),
                });
                i = end;
            }
            _ => {
                out.push(toks[i].clone());
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::normalize::tokenize_numbers;
    use super::*;

    fn render(text: &str, lang: Lang) -> String {
        tokenize_numbers(text, lang)
            .iter()
            .filter(|t| !t.punct)
            .map(|t| match &t.num {
                Some(n) if n.ordinal => format!("{}#", n.value),
                _ => t.norm.clone(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn english_table() {
        let table = [
            ("twenty one", "21"),
            ("twenty-first", "21#"),
            ("two thirty", "2 30"),
            ("ten fifteen", "10 15"),
            ("five five five", "5 5 5"),
            ("two forty five", "2 45"),
            ("one hundred and five", "105"),
            ("five hundred fifty five", "555"),
            ("eight hundred", "800"),
            ("two thousand twenty six", "2026"),
            ("two thousand and five", "2005"),
            ("the third", "the 3#"),
            ("thirty first", "31#"),
            ("in three days", "in 3 days"),
            ("the 15th", "the 15#"),
            ("twelve thirty four", "12 34"),
            ("a hundred", "a 100"),
        ];
        for (i, o) in table {
            assert_eq!(render(i, Lang::En), o, "{i}");
        }
    }

    #[test]
    fn spanish_table() {
        let table = [
            ("cuarenta y dos", "42"),
            ("dos y media", "2 y media"),
            ("tres y quince", "3 y 15"),
            ("veintidós", "22"),
            ("el primero de enero", "el 1# de enero"),
            ("ciento veintitrés", "123"),
            ("quinientos cincuenta y cinco", "555"),
            ("dos mil veintiséis", "2026"),
            ("mil novecientos", "1900"),
            ("cinco cinco cinco", "5 5 5"),
            ("las cuatro menos cuarto", "las 4 menos cuarto"),
            ("treinta", "30"),
            ("cien", "100"),
        ];
        for (i, o) in table {
            assert_eq!(render(i, Lang::Es), o, "{i}");
        }
    }
}
