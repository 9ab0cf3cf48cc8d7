//! Reads a TwiML answer back in words: what the receptionist says and what
//! happens next (listen, transfer, record, hang up). Used by `simulate-call`
//! and by the dashboard's test call, which show a conversation as text.

/// What one TwiML answer asks for, read back in words.
#[derive(Debug, Default)]
pub struct Answer {
    pub said: Vec<String>,
    pub next: String,
    pub action: Option<String>,
    pub hangup: bool,
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(unescape(&tag[i..j]))
}

/// Reads a TwiML document the way a person would describe it.
pub fn read_twiml(xml: &str) -> Answer {
    let mut a = Answer::default();
    let mut rest = xml;
    while let Some(i) = rest.find("<Say") {
        let after = &rest[i..];
        let (Some(gt), Some(end)) = (after.find('>'), after.find("</Say>")) else {
            break;
        };
        a.said.push(unescape(&after[gt + 1..end]));
        rest = &after[end..];
    }
    let tag = |name: &str| {
        xml.find(&format!("<{name}"))
            .map(|i| &xml[i..i + xml[i..].find('>').unwrap_or(0)])
    };
    if let Some(t) = tag("Gather") {
        let keys = attr(t, "numDigits")
            .map(|n| format!(", {n} key"))
            .unwrap_or_default();
        a.next = format!("[listens: speech or keys{keys}]");
        a.action = attr(t, "action");
    } else if let Some(t) = tag("Dial") {
        let number = xml
            .find("<Number>")
            .and_then(|i| {
                xml[i + 8..]
                    .find("</Number>")
                    .map(|j| xml[i + 8..i + 8 + j].to_string())
            })
            .unwrap_or_default();
        a.next = format!("[transfers the call to {number}]");
        a.action = attr(t, "action");
    } else if let Some(t) = tag("Record") {
        a.next = "[records a voicemail]".into();
        a.action = attr(t, "action");
    } else if xml.contains("<Hangup") {
        a.next = "[hangs up]".into();
        a.hangup = true;
    } else {
        a.next = "[ends the call]".into();
        a.hangup = true;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_twiml_in_words() {
        let a = read_twiml(
            r#"<?xml version="1.0"?><Response><Gather input="speech dtmf" action="/voice/gather" numDigits="1"><Say voice="v" language="en-US">Press 1 &amp; go</Say></Gather></Response>"#,
        );
        assert_eq!(a.said, vec!["Press 1 & go"]);
        assert_eq!(a.action.as_deref(), Some("/voice/gather"));
        assert!(a.next.contains("1 key"));
        assert!(read_twiml("<Response><Say>Bye</Say><Hangup/></Response>").hangup);
    }
}
