//! Intent classification: weighted phrase patterns per intent over normalised
//! tokens (whole-token matching; `word~` is a whole-word *prefix*, so
//! `agend~` never matches "reagendar"; `*` is any one token). Clauses are
//! split at punctuation, contrast words and connectives; a negator negates the
//! patterns after it in its clause; clauses after "but/pero/sino/instead"
//! weigh more, clauses starting with "before/antes de" less. The best intent
//! wins if its score reaches a threshold, otherwise `other`.

use super::normalize::{Tok, strip_fillers, tokenize};
use super::{Intent, IntentResult, Lang};

type Pat = (&'static [&'static str], Intent, f32);

use Intent::{
    Book as B, Cancel as C, Hours as H, Human as P, Location as L, Message as M, Other as O,
    Pricing as R, Reschedule as S,
};

const EN: &[Pat] = &[
    // book
    (&["book"], B, 2.5),
    (&["booking"], B, 1.0),
    (&["booked"], B, 1.0),
    (&["schedule"], B, 2.0),
    (&["my", "schedule"], B, -2.0),
    (&["the", "schedule"], B, -1.0),
    (&["on", "the", "schedule"], B, 3.0),
    (&["make", "an", "appointment"], B, 2.0),
    (&["make", "a", "appointment"], B, 2.0),
    (&["new", "appointment"], B, 1.5),
    (&["an", "appointment"], B, 1.0),
    (&["get", "an", "appointment"], B, 1.5),
    (&["on", "the", "books"], B, 3.0),
    (&["earliest"], B, 1.5),
    (&["soonest"], B, 1.5),
    (&["appointment"], B, 0.8),
    (&["appointments"], B, 0.5),
    (&["set", "up"], B, 2.0),
    (&["sign", "up"], B, 2.0),
    (&["come", "in"], B, 2.0),
    (&["coming", "in"], B, 1.0),
    (&["come", "out"], B, 1.5),
    (&["get", "in"], B, 2.0),
    (&["fit", "me", "in"], B, 3.0),
    (&["squeeze", "me", "in"], B, 3.0),
    (&["put", "me", "down", "for"], B, 3.0),
    (&["pencil", "me", "in"], B, 3.0),
    (&["bring", "*", "in"], B, 1.5),
    (&["bring", "my"], B, 1.0),
    (&["reserve"], B, 2.5),
    (&["reservation"], B, 2.0),
    (&["openings"], B, 2.5),
    (&["opening"], B, 1.5),
    (&["availability"], B, 2.5),
    (&["available"], B, 1.0),
    (&["anything", "open"], B, 3.0),
    (&["anything", "open"], H, -2.5),
    (&["slot"], B, 2.0),
    (&["slots"], B, 2.0),
    (&["consultation"], B, 1.0),
    (&["first", "visit"], B, 2.0),
    (&["visit"], B, 0.5),
    (&["new", "patient"], B, 2.0),
    (&["new", "client"], B, 2.0),
    (&["see", "the", "doctor"], B, 1.5),
    (&["get", "my"], B, 0.8),
    (&["like", "to", "get"], B, 1.0),
    (&["want", "to", "get"], B, 0.8),
    (&["need", "to", "get"], B, 0.8),
    (&["sometime"], B, 0.7),
    (&["like", "to", "see"], B, 2.0),
    (&["want", "to", "see"], B, 1.5),
    (&["need", "to", "see"], B, 1.5),
    (&["second", "appointment"], B, 1.5),
    (&["another", "appointment"], B, 1.5),
    // reschedule
    (&["reschedule"], S, 4.0),
    (&["rescheduling"], S, 4.0),
    (&["rebook"], S, 3.5),
    (&["move", "my"], S, 3.0),
    (&["move", "it"], S, 3.0),
    (&["move", "the"], S, 2.5),
    (&["move", "that"], S, 3.0),
    (&["move", "our"], S, 3.0),
    (&["move", "me"], S, 3.0),
    (&["move"], S, 1.0),
    (&["change", "my"], S, 3.0),
    (&["change", "it"], S, 3.0),
    (&["change", "the", "time"], S, 3.0),
    (&["change", "the", "date"], S, 3.0),
    (&["change", "the", "day"], S, 3.0),
    (&["change", "our"], S, 3.0),
    (&["change"], S, 1.0),
    (&["switch"], S, 2.5),
    (&["swap"], S, 2.5),
    (&["push", "it", "back"], S, 3.0),
    (&["push", "back"], S, 3.0),
    (&["push", "my"], S, 3.0),
    (&["push", "it"], S, 2.5),
    (&["bump"], S, 3.0),
    (&["postpone"], S, 3.5),
    (&["different", "day"], S, 3.0),
    (&["different", "time"], S, 3.0),
    (&["different", "date"], S, 3.0),
    (&["another", "day"], S, 2.5),
    (&["another", "time"], S, 2.5),
    (&["another", "date"], S, 2.5),
    (&["later", "time"], S, 1.5),
    (&["earlier", "time"], S, 1.5),
    (&["instead"], S, 2.0),
    (&["supposed", "to"], S, 1.0),
    // cancel
    (&["cancel~"], C, 3.5),
    (&["was", "going", "to", "cancel"], C, -2.0),
    (&["call", "off"], C, 3.5),
    (&["call", "it", "off"], C, 3.5),
    (&["remove", "it"], C, 3.0),
    (&["remove", "me"], C, 3.0),
    (&["remove", "my"], C, 3.0),
    (&["remove", "us"], C, 3.0),
    (&["off", "the", "schedule"], C, 4.0),
    (&["off", "the", "books"], C, 3.0),
    (&["no", "longer", "need"], C, 2.5),
    (&["wont", "need"], C, 1.5),
    (&["wont", "be", "needing"], C, 2.0),
    (&["cant", "make", "it"], C, 2.0),
    (&["wont", "make", "it"], C, 2.0),
    (&["not", "going", "to", "make", "it"], C, 2.0),
    (&["drop", "my"], C, 2.0),
    (&["delete"], C, 2.0),
    (&["anymore"], C, 2.0),
    (&["any", "more"], C, 1.5),
    // pricing
    (&["price"], R, 3.0),
    (&["prices"], R, 3.0),
    (&["pricing"], R, 3.0),
    (&["priced"], R, 3.0),
    (&["cost"], R, 3.0),
    (&["costs"], R, 3.0),
    (&["how", "much"], R, 3.0),
    (&["charge"], R, 2.5),
    (&["charges"], R, 2.0),
    (&["fee"], R, 3.0),
    (&["fees"], R, 3.0),
    (&["rate"], R, 2.0),
    (&["rates"], R, 3.0),
    (&["quote"], R, 2.5),
    (&["estimate"], R, 1.5),
    (&["expensive"], R, 3.0),
    (&["cheap"], R, 2.5),
    (&["afford"], R, 2.0),
    (&["discount"], R, 2.5),
    (&["discounts"], R, 2.5),
    (&["specials"], R, 2.5),
    (&["deals"], R, 2.0),
    (&["coupon"], R, 2.5),
    (&["free"], R, 1.0),
    (&["pay"], R, 1.5),
    (&["payment"], R, 1.5),
    (&["insurance"], R, 1.5),
    (&["take", "insurance"], R, 1.5),
    (&["accept", "insurance"], R, 1.5),
    (&["deposit"], R, 1.5),
    (&["ballpark"], R, 2.0),
    (&["run", "me"], R, 2.5),
    // hours
    (&["hours"], H, 3.0),
    (&["open"], H, 2.5),
    (&["opens"], H, 3.0),
    (&["close"], H, 2.5),
    (&["closes"], H, 3.0),
    (&["closed"], H, 2.0),
    (&["closing"], H, 2.5),
    (&["how", "late"], H, 2.5),
    (&["how", "early"], H, 2.5),
    (&["what", "days"], H, 1.5),
    (&["business", "hours"], H, 1.0),
    (&["holiday"], H, 1.5),
    (&["holidays"], H, 1.5),
    (&["weekends"], H, 1.0),
    // location
    (&["where"], L, 2.5),
    (&["wheres"], L, 2.5),
    (&["address"], L, 3.0),
    (&["located"], L, 3.0),
    (&["location"], L, 3.0),
    (&["directions"], L, 3.0),
    (&["get", "there"], L, 2.5),
    (&["get", "to", "your"], L, 2.5),
    (&["get", "to", "you"], L, 2.5),
    (&["find", "you"], L, 2.5),
    (&["parking"], L, 2.5),
    (&["park"], L, 1.5),
    (&["street"], L, 2.0),
    (&["avenue"], L, 2.0),
    (&["cross", "street"], L, 2.0),
    (&["part", "of", "town"], L, 3.0),
    (&["what", "floor"], L, 3.0),
    (&["which", "floor"], L, 3.0),
    (&["floor"], L, 1.0),
    (&["building"], L, 1.0),
    (&["near"], L, 1.0),
    (&["nearby"], L, 1.0),
    (&["are", "you", "near"], L, 2.0),
    (&["are", "you", "close", "to"], L, 2.0),
    (&["close", "to"], L, 1.5),
    (&["close", "to"], H, -2.0),
    (&["did", "you", "move"], L, 3.0),
    (&["did", "you", "move"], S, -1.0),
    (&["zip", "code"], L, 3.0),
    // human
    (&["person"], P, 2.0),
    (&["real", "person"], P, 2.0),
    (&["live", "person"], P, 2.0),
    (&["human"], P, 3.0),
    (&["someone"], P, 1.0),
    (&["somebody"], P, 1.0),
    (&["representative"], P, 3.5),
    (&["operator"], P, 3.5),
    (&["agent"], P, 2.5),
    (&["live", "agent"], P, 1.0),
    (&["owner"], P, 2.5),
    (&["manager"], P, 2.5),
    (&["supervisor"], P, 3.0),
    (&["receptionist"], P, 2.0),
    (&["in", "charge"], P, 2.0),
    (&["speak", "to"], P, 2.5),
    (&["speak", "with"], P, 2.5),
    (&["talk", "to"], P, 2.5),
    (&["talk", "with"], P, 2.5),
    (&["transfer"], P, 2.5),
    (&["put", "me", "through"], P, 3.0),
    (&["connect", "me"], P, 3.0),
    (&["robot"], P, 1.5),
    (&["robots"], P, 1.5),
    (&["machine"], P, 1.0),
    (&["directly"], P, 1.0),
    // message
    (&["message"], M, 3.0),
    (&["leave", "a", "message"], M, 2.0),
    (&["take", "a", "message"], M, 2.0),
    (&["voicemail"], M, 3.5),
    (&["call", "me", "back"], M, 2.5),
    (&["call", "back"], M, 1.5),
    (&["ill", "call", "back"], M, -3.0),
    (&["i", "will", "call", "back"], M, -3.0),
    (&["ill", "call", "you", "back"], M, -3.0),
    (&["have", "him", "call"], M, 2.5),
    (&["have", "her", "call"], M, 2.5),
    (&["have", "them", "call"], M, 2.5),
    (&["can", "call", "me"], M, 1.5),
    (&["tell", "*"], M, 1.5),
    (&["tell", "me"], M, -1.5),
    (&["tell", "us"], M, -1.5),
    (&["i", "called"], M, 1.0),
    (&["tell", "him"], M, 2.0),
    (&["tell", "her"], M, 2.0),
    (&["tell", "*", "that"], M, 2.5),
    (&["let", "*", "know"], M, 2.5),
    (&["let", "*", "*", "know"], M, 2.0),
    (&["pass", "along"], M, 3.0),
    (&["pass", "on"], M, 2.0),
    (&["write", "down"], M, 3.0),
    (&["leave", "a", "note"], M, 3.5),
    (&["note"], M, 1.0),
    (&["by", "text"], M, -2.0),
    // other (not a receptionist task)
    (&["hiring"], O, 3.5),
    (&["job"], O, 2.0),
    (&["resume"], O, 3.0),
    (&["wrong", "number"], O, 4.0),
    (&["warranty"], O, 3.0),
    (&["courtesy", "call"], O, 2.0),
    (&["your", "business"], O, 2.0),
    (&["google"], O, 1.5),
    (&["seo"], O, 2.0),
    (&["pizza"], O, 3.0),
    (&["pepperoni"], O, 2.0),
    (&["order"], O, 1.0),
    (&["rain"], O, 2.5),
    (&["weather"], O, 2.5),
    (&["thanks"], O, 1.0),
    (&["thank", "you"], O, 0.5),
    (&["great", "job"], O, 2.5),
    (&["can", "you", "hear", "me"], O, 2.0),
];

const ES: &[Pat] = &[
    // book
    (&["agend~"], B, 2.5),
    (&["agenda"], B, -2.5),
    (&["me", "hagan"], B, 1.5),
    (&["me", "hicieran"], B, 1.5),
    (&["hacerme"], B, 1.5),
    (&["me", "atiendan"], B, 3.0),
    (&["tienen", "lugar"], B, 3.0),
    (&["hay", "lugar"], B, 3.0),
    (&["ver", "al"], B, 2.0),
    (&["ver", "a", "la"], B, 2.0),
    (&["hacer", "una", "cita"], B, 3.0),
    (&["hacer", "cita"], B, 3.0),
    (&["sacar", "una"], B, 2.0),
    (&["sacar", "cita"], B, 3.0),
    (&["sacar", "turno"], B, 3.0),
    (&["pedir", "una", "cita"], B, 3.0),
    (&["pedir", "cita"], B, 3.0),
    (&["pedir", "turno"], B, 3.0),
    (&["turno"], B, 1.5),
    (&["dar", "un", "turno"], B, 2.0),
    (&["citas"], B, 1.0),
    (&["tienen", "citas"], B, 2.0),
    (&["hay", "citas"], B, 2.0),
    (&["quiero", "una", "cita"], B, 1.0),
    (&["necesito", "una", "cita"], B, 1.0),
    (&["me", "pueden", "atender"], B, 3.0),
    (&["me", "puede", "atender"], B, 3.0),
    (&["atenderme"], B, 2.5),
    (&["lo", "mas", "pronto"], B, 1.5),
    (&["dar", "una", "cita"], B, 3.0),
    (&["una", "cita"], B, 1.0),
    (&["cita"], B, 0.8),
    (&["cita", "nueva"], B, 1.5),
    (&["nueva", "cita"], B, 1.5),
    (&["otra", "cita"], B, 1.5),
    (&["primera", "cita"], B, 1.5),
    (&["reserv~"], B, 2.5),
    (&["apartar"], B, 2.5),
    (&["anotar", "para"], B, 3.0),
    (&["anotarme"], B, 3.0),
    (&["apuntarme"], B, 3.0),
    (&["apuntar", "para"], B, 3.0),
    (&["program~"], B, 1.5),
    (&["tienen", "espacio"], B, 3.0),
    (&["hay", "espacio"], B, 3.0),
    (&["espacio"], B, 1.0),
    (&["disponible"], B, 1.0),
    (&["disponibilidad"], B, 2.5),
    (&["hueco"], B, 2.0),
    (&["puedo", "ir"], B, 2.0),
    (&["podria", "ir"], B, 2.0),
    (&["puedo", "pasar"], B, 1.0),
    (&["consulta"], B, 0.8),
    (&["paciente", "nuevo"], B, 2.0),
    (&["paciente", "nueva"], B, 2.0),
    (&["cliente", "nuevo"], B, 2.0),
    (&["venga", "a"], B, 1.5),
    (&["llevar", "el"], B, 1.0),
    // reschedule
    (&["reagend~"], S, 4.0),
    (&["reprogram~"], S, 4.0),
    (&["cambiar"], S, 2.0),
    (&["cambiarla"], S, 3.0),
    (&["cambiarlo"], S, 3.0),
    (&["cambiarme"], S, 3.0),
    (&["cambiar", "mi", "cita"], S, 2.0),
    (&["cambiar", "la", "cita"], S, 2.0),
    (&["cambiar", "la", "hora"], S, 2.0),
    (&["cambiar", "la", "fecha"], S, 2.0),
    (&["cambio", "de", "cita"], S, 4.0),
    (&["cambio", "de", "hora"], S, 4.0),
    (&["cambio", "de", "fecha"], S, 4.0),
    (&["mover"], S, 2.5),
    (&["moverla"], S, 3.5),
    (&["moverlo"], S, 3.5),
    (&["mover", "mi"], S, 1.0),
    (&["pasar", "mi", "cita"], S, 3.0),
    (&["pasar", "la", "cita"], S, 3.0),
    (&["pasarla"], S, 3.0),
    (&["la", "paso"], S, 2.5),
    (&["lo", "paso"], S, 2.5),
    (&["la", "pasamos"], S, 2.5),
    (&["la", "cambio"], S, 2.5),
    (&["la", "muevo"], S, 2.5),
    (&["la", "movemos"], S, 2.5),
    (&["otra", "semana"], S, 1.5),
    (&["pasar", "al"], S, 2.5),
    (&["pasar", "para"], S, 2.5),
    (&["otro", "dia"], S, 2.5),
    (&["otra", "hora"], S, 2.5),
    (&["otro", "horario"], S, 2.5),
    (&["otro", "horario"], H, -3.0),
    (&["otra", "fecha"], S, 2.5),
    (&["pospon~"], S, 3.5),
    (&["aplaz~"], S, 3.5),
    (&["adelant~"], S, 3.0),
    (&["atras~"], S, 2.5),
    (&["retras~"], S, 2.5),
    (&["en", "vez", "de"], S, 1.0),
    (&["en", "lugar", "de"], S, 1.0),
    // cancel
    (&["cancel~"], C, 3.5),
    (&["iba", "a", "cancelar"], C, -2.0),
    (&["anul~"], C, 3.5),
    (&["quit~"], C, 2.5),
    (&["borrar~"], C, 2.5),
    (&["de", "la", "agenda"], C, 1.5),
    (&["dar", "de", "baja"], C, 3.0),
    (&["ya", "no", "voy"], C, 1.5),
    (&["ya", "no", "la", "voy"], C, 1.5),
    (&["ya", "no", "lo", "voy"], C, 1.5),
    (&["ya", "no", "necesito"], C, 2.0),
    (&["no", "voy", "a", "poder", "ir"], C, 1.5),
    // pricing
    (&["precio"], R, 3.0),
    (&["precios"], R, 3.0),
    (&["cuanto", "cuesta"], R, 3.5),
    (&["cuanto", "cuestan"], R, 3.5),
    (&["cuanto", "cobran"], R, 3.5),
    (&["cuanto", "cobra"], R, 3.5),
    (&["cuanto", "sale"], R, 3.5),
    (&["cuanto", "salen"], R, 3.5),
    (&["cuanto", "vale"], R, 3.5),
    (&["cuanto", "es"], R, 2.5),
    (&["cuanto", "seria"], R, 3.0),
    (&["cuanto", "me", "cobrarian"], R, 3.5),
    (&["cuanto"], R, 1.5),
    (&["cuanto", "*", "sale"], R, 2.0),
    (&["cuanto", "*", "cuesta"], R, 2.0),
    (&["cuanto", "*", "cobran"], R, 2.0),
    (&["cuanto", "*", "cobra"], R, 2.0),
    (&["cuanto", "*", "costaria"], R, 2.0),
    (&["aceptan", "seguro"], R, 2.5),
    (&["acepta", "seguro"], R, 2.5),
    (&["aceptan", "tarjeta"], R, 2.5),
    (&["cobran"], R, 2.5),
    (&["cobra"], R, 2.5),
    (&["cobrar"], R, 2.5),
    (&["cobro"], R, 1.0),
    (&["costo"], R, 3.0),
    (&["costos"], R, 3.0),
    (&["cuesta"], R, 2.5),
    (&["tarifa"], R, 3.5),
    (&["tarifas"], R, 3.5),
    (&["presupuesto"], R, 2.0),
    (&["cotizacion"], R, 3.0),
    (&["caro"], R, 3.0),
    (&["barato"], R, 2.5),
    (&["descuento"], R, 2.5),
    (&["descuentos"], R, 2.5),
    (&["promocion"], R, 2.5),
    (&["promociones"], R, 2.5),
    (&["oferta"], R, 2.0),
    (&["gratis"], R, 1.0),
    (&["pagar"], R, 1.5),
    (&["pago"], R, 1.5),
    (&["pagos"], R, 1.5),
    (&["seguro", "medico"], R, 1.5),
    // hours
    (&["horario"], H, 3.0),
    (&["horarios"], H, 3.0),
    (&["mi", "horario"], H, -3.0),
    (&["abren"], H, 3.0),
    (&["abre"], H, 2.5),
    (&["abiertos"], H, 2.5),
    (&["abierto"], H, 2.5),
    (&["abierta"], H, 2.5),
    (&["cierran"], H, 3.0),
    (&["cierra"], H, 2.5),
    (&["cerrado"], H, 2.0),
    (&["cerrados"], H, 2.0),
    (&["hasta", "que", "hora"], H, 3.0),
    (&["a", "que", "hora", "abren"], H, 1.0),
    (&["atienden"], H, 2.0),
    (&["que", "dias", "trabajan"], H, 3.0),
    (&["trabajan"], H, 1.0),
    (&["festivo"], H, 1.5),
    (&["festivos"], H, 1.5),
    // location
    (&["donde"], L, 2.5),
    (&["direccion"], L, 3.5),
    (&["ubicados"], L, 3.5),
    (&["ubicadas"], L, 3.5),
    (&["ubicacion"], L, 3.5),
    (&["ubicado"], L, 3.5),
    (&["como", "llego"], L, 3.5),
    (&["como", "llegar"], L, 3.5),
    (&["llegar", "a"], L, 1.0),
    (&["estacionamiento"], L, 2.5),
    (&["estacionar"], L, 2.5),
    (&["parqueo"], L, 2.5),
    (&["calle"], L, 2.5),
    (&["avenida"], L, 2.5),
    (&["quedan"], L, 2.5),
    (&["queda"], L, 1.5),
    (&["parte", "de", "la", "ciudad"], L, 3.0),
    (&["en", "que", "piso"], L, 3.0),
    (&["piso"], L, 1.0),
    (&["cerca"], L, 1.5),
    (&["local"], L, 1.0),
    (&["para", "alla"], L, 1.0),
    // human
    (&["persona"], P, 2.5),
    (&["humano"], P, 3.0),
    (&["alguien"], P, 1.0),
    (&["representante"], P, 3.5),
    (&["operador~"], P, 3.5),
    (&["agente"], P, 2.5),
    (&["dueno"], P, 2.5),
    (&["duena"], P, 2.5),
    (&["gerente"], P, 2.5),
    (&["encargado"], P, 2.5),
    (&["encargada"], P, 2.5),
    (&["supervisor"], P, 3.0),
    (&["recepcionista"], P, 2.0),
    (&["hablar", "con"], P, 2.5),
    (&["comunica"], P, 2.5),
    (&["comunicar"], P, 2.0),
    (&["comuniqueme"], P, 3.0),
    (&["comunicarme"], P, 2.5),
    (&["paseme"], P, 3.0),
    (&["pasame"], P, 3.0),
    (&["pase", "con"], P, 2.5),
    (&["pases", "con"], P, 2.5),
    (&["transfer~"], P, 2.5),
    (&["de", "verdad"], P, 1.0),
    (&["carne", "y", "hueso"], P, 2.0),
    (&["maquina"], P, 1.0),
    (&["maquinas"], P, 1.0),
    (&["robot"], P, 1.5),
    (&["directamente"], P, 1.0),
    // message
    (&["mensaje"], M, 3.0),
    (&["dejar", "un", "mensaje"], M, 2.0),
    (&["dejarle"], M, 1.5),
    (&["recado"], M, 3.5),
    (&["buzon"], M, 3.0),
    (&["por", "mensaje"], M, -3.5),
    (&["que", "me", "llame"], M, 2.5),
    (&["me", "devuelva"], M, 3.0),
    (&["me", "regrese", "la", "llamada"], M, 3.0),
    (&["regresar", "la", "llamada"], M, 2.5),
    (&["devolver", "la", "llamada"], M, 2.5),
    (&["avisele"], M, 3.0),
    (&["avisar"], M, 2.5),
    (&["avisarle"], M, 3.0),
    (&["digale"], M, 3.0),
    (&["decirle"], M, 2.0),
    (&["decir", "a"], M, 1.5),
    (&["anote", "que"], M, 3.0),
    (&["apunte", "que"], M, 3.0),
    (&["nota"], M, 1.0),
    // other
    (&["contratando"], O, 3.5),
    (&["vacantes"], O, 3.5),
    (&["vacante"], O, 3.5),
    (&["trabajo", "con", "ustedes"], O, 2.0),
    (&["curriculum"], O, 3.5),
    (&["equivoque"], O, 4.0),
    (&["numero", "equivocado"], O, 4.0),
    (&["ofrecerle"], O, 3.0),
    (&["le", "llamamos"], O, 1.5),
    (&["su", "negocio"], O, 2.0),
    (&["google"], O, 1.5),
    (&["pizza"], O, 3.0),
    (&["pizzeria"], O, 3.0),
    (&["llover"], O, 2.5),
    (&["clima"], O, 2.5),
    (&["gracias"], O, 0.5),
    (&["dar", "las", "gracias"], O, 2.0),
    (&["excelente", "trabajo"], O, 2.0),
    (&["me", "escucha"], O, 2.0),
];

/// Words that negate what follows in their clause.
fn is_negator(w: &str) -> bool {
    matches!(
        w,
        "not"
            | "dont"
            | "doesnt"
            | "didnt"
            | "cant"
            | "cannot"
            | "wont"
            | "never"
            | "no"
            | "nor"
            | "without"
            | "isnt"
            | "arent"
            | "wasnt"
            | "wouldnt"
            | "shouldnt"
            | "nunca"
            | "ni"
            | "tampoco"
            | "sin"
            | "nadie"
    )
}

/// A negator followed by one of these is about knowing, not refusing.
fn is_epistemic(w: &str) -> bool {
    matches!(
        w,
        "sure"
            | "know"
            | "remember"
            | "find"
            | "see"
            | "understand"
            | "tell"
            | "figure"
            | "se"
            | "sabe"
            | "se,"
            | "recuerdo"
            | "encuentro"
            | "entiendo"
            | "idea"
            | "problem"
            | "worries"
            | "hace"
            | "importa"
    )
}

/// Clause boundary words; the bool says whether they introduce a contrast.
fn boundary(w: &str) -> Option<bool> {
    match w {
        "but" | "instead" | "however" | "although" | "though" | "pero" | "sino" | "aunque"
        | "mas" => Some(true),
        "so" | "because" | "since" | "and" | "then" | "porque" | "entonces" | "asi" | "y"
        | "pues" => Some(false),
        _ => None,
    }
}

fn tok_matches(t: &Tok, p: &str) -> bool {
    if t.punct {
        return false;
    }
    if p == "*" {
        return true;
    }
    if let Some(prefix) = p.strip_suffix('~') {
        return t.norm.starts_with(prefix);
    }
    t.norm == p
}

struct Clause {
    start: usize,
    end: usize,
    weight: f32,
}

fn clauses(toks: &[Tok], lang: Lang) -> Vec<Clause> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut weight = 1.0f32;
    let mut i = 0;
    let sub_start = |k: usize| -> bool {
        let a = toks.get(k).map(|t| t.norm.as_str()).unwrap_or("");
        let b = toks.get(k + 1).map(|t| t.norm.as_str()).unwrap_or("");
        match lang {
            Lang::En => a == "before",
            Lang::Es => a == "antes" && b == "de",
        }
    };
    let mut cur_weight = if sub_start(0) { 0.5 } else { weight };
    while i <= toks.len() {
        let end_here = i == toks.len();
        let (is_boundary, contrast, skip) = if end_here {
            (true, false, 0)
        } else if toks[i].punct {
            (true, false, 1)
        } else if let Some(c) = boundary(&toks[i].norm) {
            // "y" / "and" inside a phrase pattern ("carne y hueso") is rare enough
            (true, c, 1)
        } else {
            (false, false, 0)
        };
        if is_boundary {
            if i > start {
                out.push(Clause {
                    start,
                    end: i,
                    weight: cur_weight,
                });
            }
            if contrast {
                weight = 1.5;
            }
            // a boundary word stays in the next clause so it can be matched
            start = if end_here || toks[i].punct {
                i + skip
            } else {
                i
            };
            cur_weight = if sub_start(start) { 0.5 } else { weight };
            if end_here {
                break;
            }
            i += skip.max(1);
            continue;
        }
        i += 1;
    }
    out
}

pub fn classify(text: &str, lang: Lang) -> IntentResult {
    let toks = strip_fillers(&tokenize(text), lang);
    let pats = match lang {
        Lang::En => EN,
        Lang::Es => ES,
    };
    let mut scores = [0f32; 9];
    let idx = |i: Intent| Intent::ALL.iter().position(|x| *x == i).unwrap_or(8);
    let cls = clauses(&toks, lang);
    // phrases may span "y"/"and" ("carne y hueso"): match over the whole
    // token list, but attribute negation and weight by the clause of the start.
    for c in &cls {
        for pos in c.start..c.end {
            // negation: a negator earlier in this clause, within 6 tokens
            let lo = c.start.max(pos.saturating_sub(6));
            let negated = (lo..pos).any(|k| {
                is_negator(&toks[k].norm)
                    && !toks.get(k + 1).is_some_and(|n| is_epistemic(&n.norm))
                    && !toks
                        .get(k + 2)
                        .is_some_and(|n| is_epistemic(&n.norm) && toks[k + 1].norm == "i")
            });
            for (p, intent, wgt) in pats {
                let ok = p
                    .iter()
                    .enumerate()
                    .all(|(k, s)| toks.get(pos + k).is_some_and(|t| tok_matches(t, s)));
                if !ok {
                    continue;
                }
                let mut v = wgt * c.weight;
                // post-posed negation: "cancelar no, reagendar"
                let after = pos + p.len();
                let post_neg = toks.get(after).is_some_and(|t| t.is_any(&["no", "not"]))
                    && toks.get(after + 1).is_none_or(|t| t.punct);
                // negative-polarity items ("don't need it anymore") need the negator
                let npi = matches!(p.first(), Some(&"anymore") | Some(&"any"));
                if (negated && !npi) || post_neg {
                    v = if v > 0.0 { -0.5 * v } else { 0.0 };
                }
                scores[idx(*intent)] += v;
            }
        }
    }
    let mut ranked: Vec<(Intent, f32)> = Intent::ALL
        .iter()
        .zip(scores.iter())
        .filter(|(_, s)| **s > 0.0)
        .map(|(i, s)| (*i, *s))
        .collect();
    ranked.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    const THRESHOLD: f32 = 1.5;
    let (intent, confidence) = match ranked.first() {
        Some((i, s)) if *s >= THRESHOLD && *i != Intent::Other => {
            let second = ranked.get(1).map(|x| x.1).unwrap_or(0.0);
            (*i, (s / (s + second + 1.0)).clamp(0.0, 1.0))
        }
        Some((Intent::Other, s)) => (Intent::Other, (s / (s + 1.0)).clamp(0.0, 1.0)),
        _ => (Intent::Other, 0.5),
    };
    IntentResult {
        intent,
        confidence,
        scores: ranked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lang: Lang, table: &[(&str, Intent)]) {
        let mut bad = Vec::new();
        for (text, want) in table {
            let r = classify(text, lang);
            if r.intent != *want {
                bad.push(format!(
                    "{text:?}: got {:?} {:?}, want {want:?}",
                    r.intent, r.scores
                ));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn basic_en() {
        run(
            Lang::En,
            &[
                ("I'd like to book an appointment.", B),
                ("I need to reschedule.", S),
                ("Please cancel my appointment.", C),
                ("How much does a cleaning cost?", R),
                ("What are your hours?", H),
                ("Where are you located?", L),
                ("Can I talk to a real person?", P),
                ("Can I leave a message?", M),
                ("Hello?", O),
            ],
        );
    }

    #[test]
    fn negation_and_contrast() {
        run(
            Lang::En,
            &[
                (
                    "I'm not looking to make a new appointment, I have to cancel mine.",
                    C,
                ),
                (
                    "Don't put me through to anyone, I'll just leave a message.",
                    M,
                ),
                (
                    "I don't want to cancel, I just want to move it to Friday.",
                    S,
                ),
                ("I'm not sure what time you close.", H),
            ],
        );
        run(
            Lang::Es,
            &[
                ("No la quiero cancelar, quiero moverla al viernes.", S),
                ("No quiero dejar mensaje, quiero hablar con el dueño.", P),
            ],
        );
    }

    #[test]
    fn keyword_traps() {
        run(
            Lang::En,
            &[
                ("Can I reschedule for Thursday?", S),
                ("I want to schedule a cleaning.", B),
            ],
        );
        run(
            Lang::Es,
            &[
                ("Quiero reagendar mi cita.", S),
                ("Quiero agendar una cita.", B),
                ("¿Cuánto cobran por un cambio de aceite?", R),
            ],
        );
    }

    #[test]
    fn basic_es() {
        run(
            Lang::Es,
            &[
                ("Quiero hacer una cita.", B),
                ("Necesito cancelar mi cita.", C),
                ("¿Cuánto cuesta?", R),
                ("¿A qué hora abren?", H),
                ("¿Cuál es la dirección?", L),
                ("Quiero hablar con una persona.", P),
                ("Quiero dejar un recado.", M),
                ("¿Bueno?", O),
            ],
        );
    }

    #[test]
    fn each_intent_en() {
        run(
            Lang::En,
            &[
                ("Hi, I want to set up an appointment for next week.", B),
                ("Can you fit me in on Friday?", B),
                ("Could I get on the books for Tuesday?", B),
                ("I need to move my appointment to next Tuesday.", S),
                ("Something came up, can we do a different time?", S),
                ("I won't be able to make it on Thursday, please cancel.", C),
                ("What do you charge for a consultation?", R),
                ("Can I get a quote for a new roof?", R),
                ("What time do you close on Fridays?", H),
                ("Are you open tomorrow?", H),
                ("Where's your office?", L),
                ("Is there parking nearby?", L),
                ("Can I speak to the manager please?", P),
                ("Just have someone call me back.", M),
                ("Please tell the doctor I called.", M),
                ("Is anyone there?", O),
            ],
        );
    }

    #[test]
    fn each_intent_es() {
        run(
            Lang::Es,
            &[
                ("Hola, quiero sacar una cita para la próxima semana.", B),
                ("¿Me pueden atender el viernes?", B),
                ("Necesito mover mi cita para el martes.", S),
                ("Se me presentó algo, ¿podemos cambiar la hora?", S),
                ("No voy a poder ir el jueves, cancélela por favor.", C),
                ("¿Cuánto me sale una consulta?", R),
                ("¿Aceptan seguro?", R),
                ("¿A qué hora cierran los viernes?", H),
                ("¿Dónde queda su oficina?", L),
                ("Pásame con un humano.", P),
                ("Que alguien me devuelva la llamada.", M),
                ("Dígale al doctor que llamé.", M),
                ("¿Me puede mandar la ubicación por mensaje?", L),
                ("¿Hay alguien ahí?", O),
            ],
        );
    }

    #[test]
    fn contrast_weighs_more() {
        run(
            Lang::En,
            &[
                (
                    "I was going to cancel but I'd rather just move it to next week.",
                    S,
                ),
                (
                    "I booked online for Monday but I need to change it to Wednesday.",
                    S,
                ),
                ("I'd like to book, but first, how much is it?", R),
                ("I need to reschedule, not cancel.", S),
                ("Not cancel, reschedule.", S),
            ],
        );
        run(
            Lang::Es,
            &[
                ("Iba a cancelar pero mejor la paso para la otra semana.", S),
                ("Cancelar no, reagendar.", S),
                ("No quiero agendar, quiero saber los precios.", R),
            ],
        );
    }
}
