//! Call-forwarding help: the dial codes US carriers use to forward a business
//! line to the tenant's RinglyPro number (always, or only when busy/unanswered),
//! as the original offered them. Pure data.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Carrier {
    pub id: &'static str,
    pub name: &'static str,
    /// `{number}` is replaced by the 10-digit RinglyPro number.
    pub forward_all: &'static str,
    pub cancel_all: &'static str,
    pub forward_busy_no_answer: &'static str,
    pub cancel_busy_no_answer: &'static str,
    pub notes: &'static str,
}

pub const CARRIERS: &[Carrier] = &[
    Carrier {
        id: "att",
        name: "AT&T",
        forward_all: "*21*{number}#",
        cancel_all: "#21#",
        forward_busy_no_answer: "*004*{number}#",
        cancel_busy_no_answer: "##004#",
        notes: "Dial from the phone being forwarded and wait for the confirmation tone.",
    },
    Carrier {
        id: "verizon",
        name: "Verizon",
        forward_all: "*72{number}",
        cancel_all: "*73",
        forward_busy_no_answer: "*71{number}",
        cancel_busy_no_answer: "*73",
        notes: "Wait for the confirmation tone or message, then hang up.",
    },
    Carrier {
        id: "tmobile",
        name: "T-Mobile",
        forward_all: "**21*1{number}#",
        cancel_all: "##21#",
        forward_busy_no_answer: "**004*1{number}#",
        cancel_busy_no_answer: "##004#",
        notes: "Press call after the code; a confirmation message appears.",
    },
    Carrier {
        id: "sprint",
        name: "Sprint",
        forward_all: "*72{number}",
        cancel_all: "*720",
        forward_busy_no_answer: "*73{number}",
        cancel_busy_no_answer: "*730",
        notes: "Sprint numbers now run on T-Mobile; if these codes fail, use T-Mobile's.",
    },
    Carrier {
        id: "uscellular",
        name: "US Cellular",
        forward_all: "*72{number}",
        cancel_all: "*720",
        forward_busy_no_answer: "*71{number}",
        cancel_busy_no_answer: "*710",
        notes: "Listen for the confirmation tone.",
    },
    Carrier {
        id: "boost",
        name: "Boost Mobile",
        forward_all: "*72{number}",
        cancel_all: "*720",
        forward_busy_no_answer: "*73{number}",
        cancel_busy_no_answer: "*730",
        notes: "Call forwarding may need to be enabled on your plan first.",
    },
    Carrier {
        id: "metro",
        name: "Metro by T-Mobile",
        forward_all: "**21*1{number}#",
        cancel_all: "##21#",
        forward_busy_no_answer: "**004*1{number}#",
        cancel_busy_no_answer: "##004#",
        notes: "Same codes as T-Mobile.",
    },
    Carrier {
        id: "visible",
        name: "Visible",
        forward_all: "*72{number}",
        cancel_all: "*73",
        forward_busy_no_answer: "*71{number}",
        cancel_busy_no_answer: "*73",
        notes: "Turn on call forwarding in the Visible app if the code is refused.",
    },
    Carrier {
        id: "cricket",
        name: "Cricket Wireless",
        forward_all: "*21*{number}#",
        cancel_all: "#21#",
        forward_busy_no_answer: "*004*{number}#",
        cancel_busy_no_answer: "##004#",
        notes: "Same network as AT&T.",
    },
];

pub fn find(id: &str) -> Option<&'static Carrier> {
    let id = id
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' ', '&', '_'], "");
    CARRIERS.iter().find(|c| {
        c.id == id
            || c.name
                .to_ascii_lowercase()
                .replace(['-', ' ', '&', '_'], "")
                == id
    })
}

/// The codes with the tenant's number filled in (`number` is E.164 +1...).
pub fn fill(code: &str, number: &str) -> String {
    let ten = number.strip_prefix("+1").unwrap_or(number);
    code.replace("{number}", ten)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_carrier_of_the_original_is_there() {
        for id in [
            "att",
            "verizon",
            "tmobile",
            "sprint",
            "uscellular",
            "boost",
            "metro",
            "visible",
            "cricket",
        ] {
            assert!(find(id).is_some(), "{id}");
        }
        assert_eq!(find("T-Mobile").unwrap().id, "tmobile");
        assert_eq!(find("AT&T").unwrap().id, "att");
        assert_eq!(fill("*72{number}", "+15553004000"), "*725553004000");
    }
}
