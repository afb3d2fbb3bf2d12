"""The classroom's HTML, rendered on the server from the views of :mod:`negsim.app.classroom.rooms`.

Every page is plain HTML with one local stylesheet and one local script
(``/static/classroom.css``, ``/static/classroom.js``; no CDN, no external address
anywhere, and a Content-Security-Policy that allows nothing else). The live parts of a
page (``<div data-live=...>``) are fragments the script fetches again when the server
says something changed (server-sent events, or every few seconds if those fail). Every
text that comes from a person (a nickname) is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from negsim.app.classroom.rooms import MAX_CEASEFIRE_DAYS, MAX_ROUNDS, SCENARIOS
from negsim.model.scenario import FRACTION_KNOBS, MEDIATOR_KNOBS

#: What each knob is, in a few words (the explorer's and the teacher's labels).
KNOB_WORDS = {
    "transfer_written": "paid for a written guarantee",
    "transfer_pledge": "paid for the pledge with confidence-building",
    "transfer_compliance": "paid to Kabul per ceasefire day held (ceasefire only)",
    "penalty_breakdown": "taken from the side blamed for a failed round",
    "verification": "verification on offer (0-1)",
    "deconfliction": "de-confliction channel on offer (0-1; ceasefire only)",
}
HERE = ' class="here"'
ROLE_WORDS = {"PAK": "Pakistan (PAK)", "AFG": "Kabul (AFG)"}


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def page(title: str, body: str, *, kind: str, data: Mapping[str, str] | None = None) -> str:
    """A whole page: ``kind`` names it for the script (``teacher``, ``student``, ``join``, ``explorer``)."""
    attrs = "".join(f' data-{k}="{_e(v)}"' for k, v in (data or {}).items())
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(title)}</title><link rel=\"stylesheet\" href=\"/static/classroom.css\">"
        f"<script src=\"/static/classroom.js\" defer></script></head>"
        f"<body data-page=\"{_e(kind)}\"{attrs}>\n<main>\n{body}\n</main>\n</body></html>\n"
    )


def _num(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _lam(v: float) -> str:
    return "above 1000" if v > 1000 else f"{v:.2f}"


def _signed(v: float) -> str:
    return f"{v:+.2f}"


# --- the payoff table ------------------------------------------------------------------------


def payoff_table(table: Mapping[str, Any], *, highlight: Sequence[int] | None = None) -> str:
    """The payoff table: PAK's payoff first, a * on each side's best replies."""
    head = "".join(f"<th>{_e(c)}</th>" for c in table["cols"])
    rows = []
    for i, r in enumerate(table["rows"]):
        cells = []
        for j in range(len(table["cols"])):
            a = _signed(table["A"][i][j]) + ("*" if table["best_pak"][i][j] else "")
            b = _signed(table["B"][i][j]) + ("*" if table["best_afg"][i][j] else "")
            cls = ' class="hit"' if highlight is not None and tuple(highlight) == (i, j) else ""
            cells.append(f"<td{cls}><span class=\"pak\">{a}</span>, <span class=\"afg\">{b}</span>"
                         f"<small>{_e(table['outcomes'][i][j])}</small></td>")
        rows.append(f"<tr><th>{_e(r)}</th>{''.join(cells)}</tr>")
    return (f"<table class=\"payoffs\"><caption>Rows: Pakistan (PAK). Columns: Kabul (AFG). Each cell: PAK's "
            f"payoff, AFG's payoff; * marks a best reply to the other side's choice.</caption>"
            f"<tr><th></th>{head}</tr>{''.join(rows)}</table>")


# --- the student's page ----------------------------------------------------------------------


def _result_lines(entry: Mapping[str, Any]) -> str:
    """A round's results for one student: outcome, payoffs, the best reply, equilibrium play, ceasefire."""
    t, role = entry["talks"], entry["role"]
    if t is None:
        return ""
    other = "AFG" if role == "PAK" else "PAK"
    best = t["best"][role]
    lines = [
        f"<p class=\"outcome\">PAK chose <b>{_e(t['actions']['PAK'])}</b>, AFG chose <b>{_e(t['actions']['AFG'])}</b>:"
        f" <b>{_e(t['outcome'])}</b>" + ("" if t["deal"] == "none" else f" (a deal: {_e(t['deal_words'])})") + ".</p>",
        f"<p>Payoffs: PAK <b>{_signed(t['payoffs']['PAK'])}</b>, AFG <b>{_signed(t['payoffs']['AFG'])}</b>"
        f" (you are {role}).</p>",
        ("<p>Your move was a best reply to the other side's.</p>" if best["was_best"] else
         f"<p>Your best reply to {_e(t['actions'][other])} was <b>{_e(best['best_reply'])}</b> "
         f"({_signed(best['best_payoff'])} instead of {_signed(t['payoffs'][role])}).</p>"),
    ]
    eq = entry["equilibrium"]
    if eq is not None:
        lines.append(f"<p class=\"eq\">Equilibrium play (the Nash equilibrium the model selects): PAK "
                     f"{_e(eq['PAK'])}, AFG {_e(eq['AFG'])}: {_e(eq['outcome'])}, payoffs PAK "
                     f"{_signed(eq['payoffs']['PAK'])}, AFG {_signed(eq['payoffs']['AFG'])}. The model predicts a "
                     f"deal for real delegations with probability {eq['deal_model']:.2f}.</p>")
    for d in entry["ceasefire"]:
        seen = "an attack attributed to Kabul" if d["signal"] else "no attack attributed to Kabul"
        lines.append(
            f"<p class=\"day\">Ceasefire day {d['day']}: PAK {_e(d['actions']['PAK'])}s, AFG "
            f"{_e(d['actions']['AFG'])}s: payoffs PAK {d['payoffs']['PAK']:+g}, AFG {d['payoffs']['AFG']:+g}. "
            f"Pakistan saw {seen}: that happens on {d['q_hold']:.1%} of days when Kabul holds and "
            f"{d['q_violate']:.1%} when it violates, so Pakistan cannot be sure what Kabul did.</p>")
    return "".join(lines)


def student_panel(view: Mapping[str, Any], token: str) -> str:
    """The live part of a student's page."""
    out = []
    rnd, seat = view["round"], view["seat"]
    if view["room_state"] == "closed":
        out.append("<p class=\"status\" id=\"status\">The room is closed. Thank you for playing.</p>")
    elif rnd is None:
        out.append("<p class=\"status\" id=\"status\">Waiting for the teacher to start round 1.</p>")
    elif seat is None:
        if view["sitting_out"] or rnd["state"] == "closed":
            out.append(f"<p class=\"status\" id=\"status\">Round {rnd['number']} is {rnd['state']}. You play from "
                       f"the next round.</p>")
        else:
            out.append(f"<p class=\"status\" id=\"status\">Round {rnd['number']} started before you joined; you "
                       f"play from the next round.</p>")
    else:
        state = {"open": "open", "paused": "paused by the teacher", "closed": "closed"}[rnd["state"]]
        out.append(f"<p class=\"status\" id=\"status\">Round {rnd['number']} of {view['rounds_planned']} "
                   f"({state}). You play <b>{ROLE_WORDS[seat['role']]}</b> against "
                   f"{'the model' if seat['opponent'] == 'model' else 'another student'}.</p>")
    todo = view["todo"]
    if todo is not None:
        if todo["stage"] == "talks":
            labels = seat["actions"]
            ask = "Your move in the talks (the other side chooses at the same time):"
        else:
            labels = ["hold", "violate"]
            ask = f"Ceasefire day {todo['day']}: hold or violate the truce?"
        buttons = "".join(
            f"<button type=\"submit\" name=\"action\" value=\"{_e(a)}\" class=\"move\" "
            f"data-move=\"{_e(json.dumps({**todo, 'action': a}))}\">{_e(a)}</button>" for a in labels)
        hidden = f"<input type=\"hidden\" name=\"round\" value=\"{todo['round']}\">"
        if todo["stage"] == "ceasefire":
            hidden += (f"<input type=\"hidden\" name=\"stage\" value=\"ceasefire\"><input type=\"hidden\" "
                       f"name=\"day\" value=\"{todo['day']}\">")
        out.append(f"<div class=\"todo\" id=\"todo\"><p>{ask}</p><form class=\"moves\" method=\"post\" "
                   f"action=\"/p/{_e(token)}/moves\">{hidden}{buttons}</form></div>")
    elif view["waiting"]:
        out.append(f"<p class=\"waiting\" id=\"waiting\">Your move is in. Waiting for {_e(view['waiting'])}…</p>")
    history = view["history"]
    current = history[-1] if history and rnd is not None and history[-1]["round"] == rnd["number"] else None
    if current is not None and current["talks"] is not None:
        out.append(f"<section class=\"result\" id=\"result\"><h2>Round {current['round']}</h2>"
                   f"{_result_lines(current)}</section>")
    elif current is not None and "talks" in current["mine"]:
        out.append(f"<p class=\"mine\">You chose <b>{_e(current['mine']['talks'])}</b>.</p>")
    if "table" in view:
        cell = current["talks"]["cell"] if current is not None and current["talks"] is not None else None
        out.append(payoff_table(view["table"], highlight=cell))
    past = [h for h in history if h is not current and h["talks"] is not None]
    if past:
        rows = "".join(
            f"<tr><td>{h['round']}</td><td>{h['role']}</td><td>{_e(h['talks']['actions']['PAK'])}</td>"
            f"<td>{_e(h['talks']['actions']['AFG'])}</td><td>{_e(h['talks']['outcome'])}</td>"
            f"<td>{_signed(h['talks']['payoffs'][h['role']])}</td></tr>" for h in reversed(past))
        out.append("<h2>Earlier rounds</h2><table class=\"history\"><tr><th>round</th><th>you</th><th>PAK</th>"
                   f"<th>AFG</th><th>outcome</th><th>your payoff</th></tr>{rows}</table>")
    total = sum(h["talks"]["payoffs"][h["role"]] for h in history if h["talks"] is not None)
    if any(h["talks"] is not None for h in history):
        out.append(f"<p class=\"total\">Your total in the talks: <b>{_signed(total)}</b>.</p>")
    return "\n".join(out)


def student_page(view: Mapping[str, Any], token: str) -> str:
    body = (f"<header><h1>{_e(view['title'])}</h1><p>Room <b>{_e(view['room'])}</b> · you are "
            f"<b>{_e(view['nickname'])}</b> ({_e(view['participant'])}). Keep this page's address: it is your "
            f"seat (anyone with it can play for you).</p></header>"
            f"<p class=\"error\" id=\"error\" hidden></p>"
            f"<div id=\"live\" data-live=\"/p/{_e(token)}/panel\">{student_panel(view, token)}</div>")
    return page(f"negsim classroom: {view['room']}", body, kind="student",
                data={"events": f"/p/{token}/events", "moves": f"/p/{token}/moves"})


def join_page(room: str = "", error: str | None = None) -> str:
    err = f"<p class=\"error\" id=\"error\">{_e(error)}</p>" if error else "<p class=\"error\" id=\"error\" hidden></p>"
    body = (
        "<header><h1>Join the talks</h1><p>The negotiation between Pakistan and the Taliban government in "
        "Kabul, 2025, as a game. You will be paired with another student and play one side.</p></header>"
        f"{err}<form id=\"join\" method=\"post\" action=\"/join\">"
        f"<label>Room code <input name=\"room\" id=\"room\" required maxlength=\"16\" autocomplete=\"off\" "
        f"autocapitalize=\"characters\" value=\"{_e(room)}\"></label>"
        "<label>Nickname <input name=\"nickname\" id=\"nickname\" required maxlength=\"24\" autocomplete=\"off\">"
        "</label><button type=\"submit\" id=\"join-button\">Join</button></form>"
    )
    return page("negsim classroom: join", body, kind="join")


# --- the teacher's page ----------------------------------------------------------------------


def _knob_inputs(knobs: Mapping[str, float], prefix: str = "knobs.") -> str:
    out = []
    for k in MEDIATOR_KNOBS:
        attrs = 'min="0" max="1" step="0.05"' if k in FRACTION_KNOBS else 'min="0" max="20" step="0.25"'
        out.append(f"<label title=\"{_e(KNOB_WORDS[k])}\">{_e(k)} <input type=\"number\" name=\"{prefix}{k}\" "
                   f"{attrs} value=\"{knobs[k]:g}\"><small>{_e(KNOB_WORDS[k])}</small></label>")
    return "".join(out)


def new_room_form() -> str:
    scen = "".join(f"<option value=\"{s}\"{' selected' if s == 'istanbul_round2' else ''}>{s}</option>"
                   for s in SCENARIOS)
    days = "".join(f"<option value=\"{d}\">{d}</option>" for d in range(MAX_CEASEFIRE_DAYS + 1))
    return (
        "<details class=\"new-room\" id=\"new-room\"><summary>New room</summary>"
        "<form data-action=\"/rooms\" id=\"new-room-form\">"
        f"<label>Scenario <select name=\"scenario\">{scen}</select></label>"
        f"<label>Rounds <input type=\"number\" name=\"rounds\" min=\"1\" max=\"{MAX_ROUNDS}\" value=\"5\"></label>"
        "<label><input type=\"checkbox\" name=\"show_table\" value=\"true\"> Students see the payoff table "
        "(best replies marked)</label>"
        f"<label>Ceasefire days after each round's talks <select name=\"ceasefire_days\">{days}</select></label>"
        "<p>The mediators' leverage in the first round: the scenario's own unless you change it when you start "
        "a round.</p><button type=\"submit\" id=\"create-room\">Create room</button></form></details>"
    )


def teacher_page(key: str, rooms: Sequence[Mapping[str, Any]], selected: Mapping[str, Any] | None,
                 controls: str = "", live: str = "") -> str:
    q = quote(key, safe="")
    here = selected["room"] if selected else None
    links = "".join(
        f"<li><a href=\"/?key={q}&amp;room={_e(r['code'])}\"{HERE if r['code'] == here else ''}>"
        f"{_e(r['code'])}</a> {_e(r['scenario'])} ({_e(r['state'])})</li>" for r in reversed(rooms))
    nav = (f"<nav><h2>Rooms</h2><ul id=\"rooms\">{links or '<li>none yet</li>'}</ul>{new_room_form()}"
           f"<p><a href=\"/explorer\">Leverage explorer</a></p></nav>")
    if selected is None:
        main = "<section><p>Create a room, then share its code or QR code with the class.</p></section>"
        data: dict[str, str] = {"key": key}
    else:
        code = selected["room"]
        main = (f"<section id=\"room\"><div id=\"controls\" data-live=\"/rooms/{_e(code)}/panel?part=controls\">"
                f"{controls}</div><div id=\"live\" data-live=\"/rooms/{_e(code)}/panel?part=live\">{live}</div>"
                "</section>")
        data = {"key": key, "events": f"/rooms/{code}/events", "room": code}
    body = ("<header><h1>negsim classroom: teacher</h1><p>Keep this page's address to yourself: it carries your "
            "key.</p></header><p class=\"error\" id=\"error\" hidden></p>"
            f"<div class=\"columns\">{nav}{main}</div>")
    return page("negsim classroom: teacher", body, kind="teacher", data=data)


def teacher_controls(view: Mapping[str, Any], join_url: str, qr_svg: str) -> str:
    """The room's header and the round controls (refreshed after the teacher's own actions)."""
    code = view["room"]
    rounds = view["rounds"]
    last = rounds[-1] if rounds else None
    parts = [
        f"<div class=\"join-card\"><div class=\"qr\">{qr_svg}</div><div><h2>Room <span id=\"room-code\">"
        f"{_e(code)}</span></h2><p>{_e(view['title'])}; {view['rounds_planned']} rounds; payoff table "
        f"{'shown' if view['show_table'] else 'hidden'}; {view['ceasefire_days']} ceasefire day(s) a round; "
        f"room {_e(view['state'])}.</p><p>Students join at <b id=\"join-url\">{_e(join_url)}</b></p></div></div>",
    ]
    if view["state"] == "closed":
        parts.append("<p class=\"status\">This room is closed: no one can join or move. The export stays.</p>")
    elif last is not None and last["state"] != "closed":
        n = last["number"]
        pause = ("<button type=\"button\" data-post=\"/rooms/{c}/rounds/{n}/pause\" id=\"pause-round\">Pause round "
                 "{n}</button>" if last["state"] == "open" else
                 "<button type=\"button\" data-post=\"/rooms/{c}/rounds/{n}/resume\" id=\"resume-round\">Resume "
                 "round {n}</button>").format(c=_e(code), n=n)
        parts.append(f"<div class=\"buttons\">{pause}<button type=\"button\" data-post=\"/rooms/{_e(code)}/rounds/{n}"
                     f"/close\" id=\"close-round\">Close round {n}</button></div>")
    elif len(rounds) < view["rounds_planned"]:
        n = len(rounds) + 1
        parts.append(
            f"<form data-action=\"/rooms/{_e(code)}/rounds\" id=\"start-form\" class=\"knobs\"><p>The mediators' "
            f"leverage for round {n} (change it to see its effect):</p>{_knob_inputs(view['knobs'])}"
            f"<button type=\"submit\" id=\"start-round\">Start round {n}</button></form>")
    else:
        parts.append(f"<p class=\"status\">All {view['rounds_planned']} rounds have been played.</p>")
    if view["state"] != "closed":
        parts.append(f"<div class=\"buttons\"><button type=\"button\" class=\"danger\" data-post=\"/rooms/{_e(code)}"
                     f"/close\" data-confirm=\"Close the room? No one can join or move afterwards.\" "
                     f"id=\"close-room\">Close the room</button></div>")
    return "\n".join(parts)


def _pairs_table(view: Mapping[str, Any]) -> str:
    if not view["rounds"]:
        return "<p>No round yet.</p>"
    last = view["rounds"][-1]
    rows = []
    for p in view["pairs"]:
        t = p["talks"]
        if t is None:
            moved = ", ".join(p["moved"]) or "nobody"
            result = f"moved: {moved}"
        else:
            result = (f"{_e(t['actions']['PAK'])} / {_e(t['actions']['AFG'])}: {_e(t['outcome'])} "
                      f"({_signed(t['payoffs']['PAK'])}, {_signed(t['payoffs']['AFG'])})")
            if view["ceasefire_days"]:
                result += f"; ceasefire days {p['ceasefire_days_done']}/{view['ceasefire_days']}"
        rows.append(f"<tr><td>{p['pair']}</td><td>{_e(p['PAK'])}</td><td>{_e(p['AFG'])}</td><td>{result}</td></tr>")
    done = sum(p["talks"] is not None for p in view["pairs"])
    return (f"<h2>Round {last['number']} ({_e(last['state'])}): <span id=\"pairs-done\">{done}</span> of "
            f"{len(view['pairs'])} pairs done</h2><p>Moves stay hidden until both sides of a pair have moved, "
            f"here too.</p><table class=\"pairs\" id=\"pairs\"><tr><th>pair</th><th>PAK</th><th>AFG</th>"
            f"<th>result</th></tr>{''.join(rows)}</table>")


def _share_rows(d: Mapping[str, Any], side: int) -> str:
    fit = d["fit"]
    n = sum(d["counts"][side])
    rows = []
    for a, label in enumerate(d["actions"][side]):
        cls = None if n == 0 else d["counts"][side][a] / n
        qre = None if fit is None or fit.get("qre_fit") is None else fit["qre_fit"]["shares"][side][a]
        rows.append(f"<tr><td>{_e(label)}</td><td>{_num(cls)} ({d['counts'][side][a]})</td>"
                    f"<td>{_num(d['nash'][side][a])}</td><td>{_num(qre)}</td><td>{_num(d['model_shares'][side][a])}"
                    f"</td></tr>")
    return "".join(rows)


def _deal_chart(rounds: Sequence[Mapping[str, Any]]) -> str:
    """P(deal) per round: the class (dot, its 95% Wilson interval) and the model (square), as SVG."""
    W, H, left, top, bottom = 360, 190, 40, 24, 30
    n = max(len(rounds), 1)
    step = (W - left - 10) / n

    def y(p: float) -> float:
        return top + (1 - p) * (H - top - bottom)

    parts = [f"<svg class=\"chart\" id=\"deal-chart\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" "
             f"role=\"img\" aria-label=\"P(deal) per round: class and model\">"]
    parts.append(f"<circle cx=\"{W - 150}\" cy=\"12\" r=\"4\" class=\"class\"/><text x=\"{W - 142}\" y=\"16\">"
                 f"class</text><rect x=\"{W - 90}\" y=\"8\" width=\"8\" height=\"8\" class=\"model\"/>"
                 f"<text x=\"{W - 78}\" y=\"16\">model</text>")
    for p in (0.0, 0.5, 1.0):
        parts.append(f"<line x1=\"{left}\" x2=\"{W - 10}\" y1=\"{y(p):.1f}\" y2=\"{y(p):.1f}\" class=\"grid\"/>"
                     f"<text x=\"{left - 4}\" y=\"{y(p) + 4:.1f}\" text-anchor=\"end\">{p:g}</text>")
    for k, d in enumerate(rounds):
        x = left + step * (k + 0.5)
        parts.append(f"<text x=\"{x:.1f}\" y=\"{H - 10}\" text-anchor=\"middle\">round {d['round']}</text>")
        parts.append(f"<rect x=\"{x + 6:.1f}\" y=\"{y(d['deal_model']) - 4:.1f}\" width=\"8\" height=\"8\" "
                     f"class=\"model\"><title>model {d['deal_model']:.2f}</title></rect>")
        if d["deal_class"] is not None:
            parts.append(f"<line x1=\"{x - 6:.1f}\" x2=\"{x - 6:.1f}\" y1=\"{y(d['deal_low']):.1f}\" "
                         f"y2=\"{y(d['deal_high']):.1f}\" class=\"interval\"/><circle cx=\"{x - 6:.1f}\" "
                         f"cy=\"{y(d['deal_class']):.1f}\" r=\"4\" class=\"class\" data-round=\"{d['round']}\"><title>class "
                         f"{d['deal_class']:.2f}</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


def dashboard(dash: Mapping[str, Any]) -> str:
    """The class against the model, per round (shares, the QRE fitted to the class, P(deal))."""
    rounds = dash["rounds"]
    if not rounds:
        return ""
    out = ["<section class=\"dashboard\" id=\"dashboard\"><h2>The class against the model</h2>",
           "<p>P(deal) per round: the class (dots: pairs of two students, with the 95% interval) against the model's "
           "prediction (squares: the logit QRE at the game's precision).</p>", _deal_chart(rounds),
           "<table class=\"deals\" id=\"deals\"><tr><th>round</th><th>leverage</th><th>pairs</th><th>P(deal) class"
           "</th><th>model</th><th>Nash</th></tr>"]
    for d in rounds:
        lev = ", ".join(f"{k} {v:g}" for k, v in d["knobs"].items())
        cls = "–" if d["deal_class"] is None else (f"{d['deal_class']:.2f} ({d['deal_low']:.2f}–"
                                                   f"{d['deal_high']:.2f})")
        out.append(f"<tr><td>{d['round']}</td><td class=\"lev\">{_e(lev)}</td><td>{d['pairs_played']}</td>"
                   f"<td>{cls}</td><td>{d['deal_model']:.2f}</td><td>{d['deal_nash']:.2f}</td></tr>")
    out.append("</table>")
    for d in reversed(rounds):
        fit = d["fit"]
        qf = None if fit is None else fit.get("qre_fit")
        if qf is not None:
            high = "∞" if qf["high"] is None else _lam(qf["high"])
            lam = (f"The logit QRE fitted to the class's choices: precision &lambda; = {_lam(qf['lam'])} (95% "
                   f"interval {_lam(qf['low'])}–{high}); the model predicts real delegations at &lambda; = "
                   f"{d['lam_model']:g}. Higher is closer to equilibrium play; 0 is random.")
        else:
            lam = "No logit QRE fitted yet."
        if d["fit_note"]:
            lam += f" ({_e(d['fit_note'])}.)"
        out.append(
            f"<div class=\"shares\" id=\"shares-{d['round']}\"><h3>Round {d['round']} ({_e(d['state'])}): choice "
            f"shares</h3><p>{lam}</p><div class=\"sides\">")
        for side, role in enumerate(("PAK", "AFG")):
            out.append(f"<table><caption>{ROLE_WORDS[role]}</caption><tr><th>action</th><th>class (n)</th>"
                       f"<th>Nash</th><th>QRE fit</th><th>model</th></tr>{_share_rows(d, side)}</table>")
        out.append("</div></div>")
    out.append("</section>")
    return "".join(out)


def teacher_live(view: Mapping[str, Any], dash: Mapping[str, Any], key: str) -> str:
    """The live part of the teacher's page: who is here, the current round's pairs, the dashboard, the export."""
    q = quote(key, safe="")
    code = _e(view["room"])
    people = ", ".join(_e(p["nickname"]) + (" (sitting out)" if p["sitting_out"] else "")
                       for p in view["participants"])
    return (
        f"<p id=\"participants\"><b><span id=\"n-participants\">{len(view['participants'])}</span> student(s)"
        f"</b>: {people or 'nobody yet'}</p>"
        f"{_pairs_table(view)}{dashboard(dash)}"
        f"<p class=\"export\">Export every move: <a href=\"/rooms/{code}/moves.csv?key={q}\" id=\"export-csv\">CSV</a>"
        f" · <a href=\"/rooms/{code}/moves.json?key={q}\" id=\"export-json\">JSON</a> (with the room's settings)</p>"
    )


# --- the explorer ----------------------------------------------------------------------------


EXPLORER_PARTS = ("table_html", "equilibria_html", "prediction_html", "curve_svg")


def explorer_page(scenario: str, knobs: Mapping[str, float], view: Mapping[str, str] | None,
                  note: str | None = None) -> str:
    scen = "".join(f"<option value=\"{s}\"{' selected' if s == scenario else ''}>{s}</option>" for s in SCENARIOS)
    sliders = []
    for k in MEDIATOR_KNOBS:
        hi, step = ("1", "0.05") if k in FRACTION_KNOBS else ("10", "0.25")
        sliders.append(f"<label class=\"slider\">{_e(k)} <output id=\"out-{k}\">{knobs[k]:g}</output>"
                       f"<input type=\"range\" name=\"{k}\" id=\"knob-{k}\" min=\"0\" max=\"{hi}\" step=\"{step}\" "
                       f"value=\"{knobs[k]:g}\"><small>{_e(KNOB_WORDS[k])}</small></label>")
    parts = "".join(f"<div class=\"part\" id=\"{p}\">{'' if view is None else view[p]}</div>" for p in EXPLORER_PARTS)
    err = f"<p class=\"error\" id=\"error\">{_e(note)}</p>" if note else "<p class=\"error\" id=\"error\" hidden></p>"
    body = ("<header><h1>Leverage explorer</h1><p>Move a slider: the payoff table, the equilibria, the "
            "model's prediction and the ceasefire after it follow.</p></header>"
            f"<form id=\"explorer\"><label>Scenario <select name=\"scenario\" id=\"scenario\">{scen}</select></label>"
            f"{''.join(sliders)}</form>{err}<div class=\"explorer-view\">{parts}</div>")
    return page("negsim classroom: explorer", body, kind="explorer", data={"view": "/explorer/view"})
