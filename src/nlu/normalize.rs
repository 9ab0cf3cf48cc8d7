//! Text normalisation shared by every NLU task: input bounding, tokenisation,
//! lowercasing, accent folding (for matching only: originals are kept for
//! names), punctuation tokens, `a.m.`/`p.m.` merging, digit/suffix splitting
//! ("3pm", "21st") and filler detection. Number words are turned into digits by
//! `numbers::numberize`, which works on the tokens produced here.

use super::Lang;

/// Only this many characters of any input are looked at.
pub const MAX_CHARS: usize = 500;
/// Only this many tokens of any input are looked at.
pub const MAX_TOKENS: usize = 120;

/// A parsed number (typed digits or number words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Num {
    /// Numeric value (saturating; long digit strings keep their exact form in `digits`).
    pub value: u64,
    /// The digits exactly as they should be read (keeps leading zeros of typed numbers).
    pub digits: String,
    /// "1st", "first", "primero".
    pub ordinal: bool,
    /// Typed as digits rather than spoken as words.
    pub typed: bool,
}

/// One token of the normalised input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tok {
    /// Lowercase, accent-folded, apostrophes removed; punctuation tokens hold
    /// one of `,` `.` `?` `!`; number tokens hold their digits.
    pub norm: String,
    /// The original spelling (accents and case kept).
    pub orig: String,
    /// Punctuation token (clause boundary).
    pub punct: bool,
    /// Glued to the previous token by a hyphen ("S-M-I-T-H", "twenty-one").
    pub hyphen_before: bool,
    /// Number value when the token is a number.
    pub num: Option<Num>,
}

impl Tok {
    pub fn word(norm: &str, orig: &str) -> Tok {
        Tok {
            norm: norm.to_string(),
            orig: orig.to_string(),
            punct: false,
            hyphen_before: false,
            num: None,
        }
    }

    pub fn is(&self, w: &str) -> bool {
        !self.punct && self.norm == w
    }

    pub fn is_any(&self, ws: &[&str]) -> bool {
        !self.punct && ws.contains(&self.norm.as_str())
    }

    /// Cardinal number value (not an ordinal).
    pub fn cardinal(&self) -> Option<u64> {
        match &self.num {
            Some(n) if !n.ordinal => Some(n.value),
            _ => None,
        }
    }

    pub fn ordinal(&self) -> Option<u64> {
        match &self.num {
            Some(n) if n.ordinal => Some(n.value),
            _ => None,
        }
    }

    pub fn is_num(&self) -> bool {
        self.num.is_some()
    }
}

/// Fold one lowercase char to its unaccented base for matching.
pub fn fold_char(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'ē' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'ī' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ō' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'ū' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// Lowercase + fold a whole string, dropping apostrophes and combining marks.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_apostrophe(c) || is_combining(c) {
            continue;
        }
        for l in c.to_lowercase() {
            out.push(fold_char(l));
        }
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`' | '´')
}

fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036f}').contains(&c)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c)
}

fn punct_class(c: char) -> Option<&'static str> {
    match c {
        ',' | ';' | '—' | '–' | '(' | ')' => Some(","),
        '.' | '…' | ':' => Some("."),
        '?' | '¿' => Some("?"),
        '!' | '¡' => Some("!"),
        _ => None,
    }
}

/// Raw split into words and punctuation, before suffix splitting and merges.
fn raw_tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().take(MAX_CHARS).collect();
    let mut toks: Vec<Tok> = Vec::new();
    let mut cur = String::new();
    let mut hyphen_pending = false;
    let mut cur_hyphen = false;
    let n = chars.len();
    let mut i = 0;
    let flush = |cur: &mut String, toks: &mut Vec<Tok>, hyph: bool| {
        if !cur.is_empty() {
            let mut t = Tok::word(&fold(cur), cur);
            t.hyphen_before = hyph;
            toks.push(t);
            cur.clear();
        }
    };
    while i < n {
        let c = chars[i];
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        if is_word_char(c) {
            if cur.is_empty() {
                cur_hyphen = hyphen_pending;
                hyphen_pending = false;
            }
            cur.push(c);
        } else if (is_apostrophe(c) && !cur.is_empty() && next.is_some_and(|x| x.is_alphabetic()))
            || (matches!(c, ':' | '/' | '.')
                && prev.is_some_and(|p| p.is_ascii_digit())
                && next.is_some_and(|x| x.is_ascii_digit())
                && !cur.is_empty())
        {
            // apostrophes inside words ("don't"), separators inside numbers ("3:30", "3/4")
            cur.push(c);
        } else if matches!(c, '-' | '‐' | '‑') && !cur.is_empty() && next.is_some_and(is_word_char)
        {
            flush(&mut cur, &mut toks, cur_hyphen);
            hyphen_pending = true;
        } else {
            flush(&mut cur, &mut toks, cur_hyphen);
            hyphen_pending = false;
            if let Some(p) = punct_class(c) {
                toks.push(Tok {
                    norm: p.to_string(),
                    orig: c.to_string(),
                    punct: true,
                    hyphen_before: false,
                    num: None,
                });
            }
        }
        i += 1;
    }
    flush(&mut cur, &mut toks, cur_hyphen);
    toks
}

const ORD_SUFFIXES: &[&str] = &["st", "nd", "rd", "th", "º", "ª", "ro", "ra", "o", "a", "er"];

fn typed_num(digits: &str, ordinal: bool) -> Num {
    let mut value: u64 = 0;
    for b in digits.bytes() {
        value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    Num {
        value,
        digits: digits.to_string(),
        ordinal,
        typed: true,
    }
}

/// Split "3pm" → "3" "pm", mark "21st" as ordinal, give typed digits a value.
fn split_suffixes(raw: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(raw.len() + 4);
    for t in raw {
        if t.punct {
            out.push(t);
            continue;
        }
        let norm = t.norm.clone();
        if norm.bytes().all(|b| b.is_ascii_digit()) && !norm.is_empty() {
            let mut t2 = t;
            t2.num = Some(typed_num(&norm, false));
            out.push(t2);
            continue;
        }
        let digit_len = norm
            .bytes()
            .take_while(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'/'))
            .count();
        if digit_len > 0 && digit_len < norm.len() && norm.as_bytes()[0].is_ascii_digit() {
            let (d, rest) = norm.split_at(digit_len);
            let all_digits = d.bytes().all(|b| b.is_ascii_digit());
            if rest.chars().all(|c| c.is_alphabetic()) {
                if all_digits && ORD_SUFFIXES.contains(&rest) {
                    let mut t2 = t;
                    t2.norm = d.to_string();
                    t2.num = Some(typed_num(d, true));
                    out.push(t2);
                } else {
                    let orig_split = t
                        .orig
                        .char_indices()
                        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, ':' | '.' | '/')));
                    let (od, orest) = match orig_split {
                        Some((k, _)) => t.orig.split_at(k),
                        None => (t.orig.as_str(), ""),
                    };
                    let mut a = Tok::word(d, od);
                    a.hyphen_before = t.hyphen_before;
                    if all_digits {
                        a.num = Some(typed_num(d, false));
                    }
                    out.push(a);
                    out.push(Tok::word(rest, orest));
                }
                continue;
            }
        }
        out.push(t);
    }
    out
}

/// Merge "a.m." / "p. m." / "p m" (after a number) into "am" / "pm".
fn merge_ampm(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if t.is_any(&["a", "p"]) {
            // a . m . | a m (after a number)
            let dotted = toks.get(i + 1).is_some_and(|x| x.punct && x.norm == ".")
                && toks.get(i + 2).is_some_and(|x| x.is("m"));
            let plain = toks.get(i + 1).is_some_and(|x| x.is("m"))
                && out
                    .last()
                    .is_some_and(|p| p.is_num() || p.norm.contains(':'));
            if dotted || plain {
                let mut len = if dotted { 3 } else { 2 };
                if toks.get(i + len).is_some_and(|x| x.punct && x.norm == ".") {
                    len += 1;
                }
                let word = if t.norm == "a" { "am" } else { "pm" };
                let orig: String = toks[i..i + len].iter().map(|x| x.orig.as_str()).collect();
                out.push(Tok::word(word, &orig));
                i += len;
                continue;
            }
        }
        out.push(t.clone());
        i += 1;
    }
    out
}

/// Tokenise (bounded), without number-word conversion.
pub fn tokenize(text: &str) -> Vec<Tok> {
    let mut toks = merge_ampm(split_suffixes(raw_tokens(text)));
    toks.truncate(MAX_TOKENS);
    toks
}

/// Tokenise and convert number words to numbers for `lang`.
pub fn tokenize_numbers(text: &str, lang: Lang) -> Vec<Tok> {
    // "nine a m": the number is only known after numberize, so merge again
    merge_ampm(super::numbers::numberize(tokenize(text), lang))
}

/// If a filler starts at `i`, return how many tokens it spans.
/// Fillers are hesitation sounds and discourse particles that carry no content.
pub fn filler_len(toks: &[Tok], i: usize, lang: Lang) -> usize {
    let Some(t) = toks.get(i) else { return 0 };
    if t.punct {
        return 0;
    }
    let w = t.norm.as_str();
    let next = toks
        .get(i + 1)
        .filter(|x| !x.punct)
        .map(|x| x.norm.as_str());
    let next_is_punct = toks.get(i + 1).is_none_or(|x| x.punct);
    const SOUNDS: &[&str] = &[
        "um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm", "hm", "mm", "mmm", "mhm", "ah", "ahh",
        "eh", "em", "emm", "ehm",
    ];
    if SOUNDS.contains(&w) {
        return 1;
    }
    match lang {
        Lang::En => match (w, next) {
            ("you", Some("know")) => 2,
            ("let", Some("me")) if toks.get(i + 2).is_some_and(|x| x.is_any(&["see", "think"])) => {
                3
            }
            ("lets", Some("see")) => 2,
            ("kind", Some("of")) | ("sort", Some("of")) => 2,
            ("like", _) if toks.get(i + 1).is_some_and(|x| x.is_num()) => 0,
            ("like", _) if i == 0 || toks.get(i - 1).is_some_and(|p| p.punct) || next_is_punct => 1,
            ("well", _) if next_is_punct => 1,
            ("so", _) if i == 0 && next_is_punct => 1,
            _ => 0,
        },
        Lang::Es => match (w, next) {
            ("o", Some("sea")) => 2,
            ("a", Some("ver")) => 2,
            ("pues", _) => 1,
            ("este", _) if next_is_punct => 1,
            ("bueno", _) if next_is_punct => 1,
            ("digamos", _) => 1,
            _ => 0,
        },
    }
}

/// Remove fillers (and the commas they leave doubled).
pub fn strip_fillers(toks: &[Tok], lang: Lang) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let f = filler_len(toks, i, lang);
        if f > 0 {
            i += f;
            continue;
        }
        let t = &toks[i];
        if t.punct && t.norm == "," && out.last().is_some_and(|p| p.punct) {
            i += 1;
            continue;
        }
        out.push(t.clone());
        i += 1;
    }
    // a leading comma is meaningless
    while out.first().is_some_and(|t| t.punct && t.norm == ",") {
        out.remove(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normalised words joined by single spaces (punctuation dropped); handy for tests.
    pub fn norm_string(text: &str) -> String {
        tokenize(text)
            .iter()
            .filter(|t| !t.punct)
            .map(|t| t.norm.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn fold_table() {
        let table = [
            ("Mañana", "manana"),
            ("Próximo MIÉRCOLES", "proximo miercoles"),
            ("Inés Peña", "ines pena"),
            ("don't", "dont"),
            ("SÁBADO", "sabado"),
        ];
        for (i, o) in table {
            assert_eq!(fold(i), o, "{i}");
        }
    }

    #[test]
    fn tokenize_table() {
        let table = [
            ("Tomorrow at 3 p.m.", "tomorrow at 3 pm"),
            ("At 3 P.M.", "at 3 pm"),
            ("a las 3 p. m.", "a las 3 pm"),
            ("9 a.m. please", "9 am please"),
            ("3pm", "3 pm"),
            ("3:30pm", "3:30 pm"),
            ("The 21st.", "the 21"),
            ("I'm free, um, Tuesday!", "im free um tuesday"),
            ("555-123-4567", "555 123 4567"),
            ("(555) 123-4567", "555 123 4567"),
            ("3/4/2026", "3/4/2026"),
            ("S-M-I-T-H", "s m i t h"),
            ("at 3 p m", "at 3 pm"),
            ("I am here", "i am here"),
        ];
        for (i, o) in table {
            assert_eq!(norm_string(i), o, "{i}");
        }
    }

    #[test]
    fn ordinal_and_hyphen_flags() {
        let t = tokenize("the 21st, Jean-Luc");
        assert_eq!(t[1].ordinal(), Some(21));
        assert!(t[4].hyphen_before);
        assert_eq!(t[4].orig, "Luc");
    }

    #[test]
    fn filler_table() {
        let table = [
            (Lang::En, "Um, Tuesday, uh, at 3", "tuesday at 3"),
            (
                Lang::En,
                "I'd like to book, you know, Tuesday",
                "id like to book tuesday",
            ),
            (
                Lang::Es,
                "Este, el martes, o sea, a las 3",
                "el martes a las 3",
            ),
            (Lang::Es, "este martes", "este martes"),
            (Lang::Es, "pues eh mañana", "manana"),
        ];
        for (lang, i, o) in table {
            let s: Vec<String> = strip_fillers(&tokenize(i), lang)
                .into_iter()
                .filter(|t| !t.punct)
                .map(|t| t.norm)
                .collect();
            assert_eq!(s.join(" "), o, "{i}");
        }
    }

    #[test]
    fn bounded() {
        let long = "word ".repeat(10_000);
        assert!(tokenize(&long).len() <= MAX_TOKENS);
    }
}
