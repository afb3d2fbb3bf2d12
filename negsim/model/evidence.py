"""The evidence base: the IDs of ``POSITIONS.md`` that every number in a scenario cites.

Each entry paraphrases one documented position, fact or figure about the autumn-2025
Pakistan-Afghanistan talks (seed documents listed in the project's ``docs/evidence.md``).
A ``source:`` in a config is a list of these IDs, or of literature citations written as
``"cite:Author Year"`` (e.g. ``"cite:Fortna 2003"``).
"""

from __future__ import annotations

EVIDENCE: dict[str, str] = {
    # Pakistan's positions
    "PK1": "Single agenda: credible, verifiable action by Kabul against TTP/BLA sanctuaries",
    "PK2": "Wants the commitment written and verifiable; says written Doha commitments went unhonoured",
    "PK3": "Terrorism from Afghan soil must be addressed first, before normal relations",
    "PK4": "Threatens force ('open war') if talks fail",
    "PK5": "Conditional truce: holds unless attacked from the Afghan side",
    "PK6": "Domestic pressure: rising attacks draw criticism; a written document would show progress",
    "PK7": "Economic levers: crossings sealed 12 Oct 2025, deportations, earlier trade goodwill",
    "PK8": "Open to dialogue with any Kabul government, never with terrorist groups",
    "PK9": "Strikes framed as precision strikes on militant hideouts",
    "PK10": "'Patience has run its course' after four years of losses: shorter shadow of the future",
    # Afghanistan's (Taliban) positions
    "AF1": "Refuses written guarantees as compromising sovereignty and political standing",
    "AF2": "Has pledged verbally that Afghan soil will not be used against any country; will not formalise it",
    "AF3": "Security inside Pakistan is Pakistan's job; limited control over the TTP",
    "AF4": "Reluctant to crack down on close groups; refuses external monitors or Pakistani access",
    "AF5": "Any strike meets a 'decisive response'; ready for war though it is not the first choice",
    "AF6": "Has kept and will keep the ceasefire (conditional restraint)",
    "AF7": "Pakistan offered nothing reciprocal and shifted all responsibility to Kabul",
    "AF8": "Non-capitulation bolsters domestic legitimacy: conceding costs at home",
    "AF9": "Delegation had to consult Kabul; agreements made then walked back",
    "AF10": "Accuses Pakistan of backing armed groups; blames 9 Oct Kabul blasts on Pakistani drones",
    # Mediation
    "MD1": "Qatar and Turkiye mediated; Qatar brokered the Doha ceasefire of 19 Oct 2025",
    "MD2": "Mediators' leverage proved limited; they sought verification mechanisms",
    "MD3": "Turkiye stays engaged; the US offered help; China may mediate",
    "MD4": "Recommended path: phased, verifiable confidence-building, de-confliction first",
    "MD5": "Backchannels likely continue after the formal collapse",
    "MD6": "No agreed mechanism for intelligence sharing or joint verification after the collapse; its absence keeps renewed shelling likely",
    # Escalation and ceasefire record
    "EV1": "9 Oct 2025 Kabul explosions blamed on Pakistani drones; cross-border fighting followed",
    "EV2": "October 2025 fighting the worst since 2021: over 70 killed, hundreds wounded",
    "EV3": "A first 48-hour ceasefire collapsed amid low-level hostilities",
    "EV4": "The Doha ceasefire held through both failed Istanbul rounds despite fire on 6 Nov",
    "EV5": "Istanbul round two (25-29 Oct) and round three (6-7 Nov) failed; 'the talks are over'",
    "EV6": "Named open-war triggers: a major high-casualty attack, or a Pakistani operation in Afghanistan",
    "EV7": "Trust depleted, channels shut: the threshold for miscalculation is lower",
    # Economic and humanitarian costs
    "EC1": "About $2.3 billion a year of bilateral trade suspended; about $1 million lost daily",
    "EC2": "About 11,000 daily-wage crossing workers lost income; tomato prices up five-fold",
    "EC3": "Torkham and Chaman crossings closed for more than two weeks",
    "EC4": "Over 1.5 million Afghans left Pakistan by mid-Oct 2025; about 1.2 million registered remain",
}

CITE_PREFIX = "cite:"


def unknown_sources(source: list[str] | tuple[str, ...]) -> list[str]:
    """The entries of a ``source`` list that are neither evidence IDs nor ``cite:`` citations."""
    return [
        s for s in source
        if s not in EVIDENCE and not (s.startswith(CITE_PREFIX) and len(s) > len(CITE_PREFIX) + 3)
    ]


def check_sources(key: str, source: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The evidence IDs of one ``source:`` entry, or a :class:`ConfigError` naming ``key``.

    An empty or missing list and an unknown ID are both refused.
    """
    from negsim.errors import ConfigError

    if source is None or len(source) == 0:
        raise ConfigError(f"{key}: missing source (list POSITIONS.md IDs or 'cite:Author Year')")
    bad = unknown_sources(list(source))
    if bad:
        raise ConfigError(f"{key}: unknown source {bad[0]!r} (expected a POSITIONS.md ID such as PK2, or 'cite:Author Year')")
    return tuple(source)
