"""Context words: words near a candidate that make it more likely to be what it looks like.

"rekeningnummer" before a number makes it more likely an IBAN; "BSN" before nine digits
makes them a citizen service number. Presidio's own context words are English only,
and with no spaCy model its context enhancer sees no tokens at all, so the scan does
its own: a candidate gets CONTEXT_BOOST added when one of its words appears in the
CONTEXT_WINDOW characters before it (or a few after). The English words apply to every
language: support chats mix them in ("mijn IBAN", "mon e-mail").
"""

from __future__ import annotations

import re
from functools import lru_cache

CONTEXT_BOOST = 0.35
CONTEXT_WINDOW = 48
CONTEXT_AFTER = 16

CONTEXT_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "EMAIL_ADDRESS": ("email", "e-mail", "mail", "address", "contact"),
        "PHONE_NUMBER": ("phone", "telephone", "mobile", "cell", "call", "number", "tel", "whatsapp", "text me",
                         "reach me", "ring"),
        "CREDIT_CARD": ("card", "credit", "debit", "visa", "mastercard", "amex", "american express", "cc",
                        "charged"),
        "IBAN_CODE": ("iban", "account", "bank", "transfer", "refund", "sepa"),
        "IP_ADDRESS": ("ip", "ipv4", "ipv6", "address", "server", "router"),
        "URL": ("url", "link", "website", "site", "page", "profile"),
        "NL_BSN": ("bsn", "citizen service number", "social security", "sofi"),
        "FR_NIR": ("social security", "nir", "insee", "carte vitale", "securite sociale", "sécurité sociale"),
        "BE_NATIONAL_NUMBER": ("national number", "national register", "rijksregisternummer", "niss", "insz"),
        "ADDRESS": ("address", "live at", "lives at", "ship to", "deliver to", "send it to", "moved to", "postcode",
                    "zip"),
        # Every language's name for its id: support chats quote the id by its own name.
        "EU_NATIONAL_ID": ("pesel", "dni", "nie", "codice fiscale", "personnummer", "cpr", "cpr-nummer",
                           "henkilötunnus", "hetu", "steuer-id", "steuerid", "steuer-idnr", "steueridentifikationsnummer",
                           "identifikationsnummer", "sozialversicherungsnummer", "versicherungsnummer", "svnr",
                           "rodné číslo", "rodne cislo", "isikukood", "asmens kodas", "egn", "cnp", "oib", "amka",
                           "emšo", "emso", "cartão de cidadão", "national id", "id number", "identity number",
                           "personal number", "personal id", "national identity", "identiteitsnummer",
                           "numéro d'identité", "numero d'identite", "id-nummer", "tax id", "social security"),
    },
    "nl": {
        "EMAIL_ADDRESS": ("e-mailadres", "mailadres", "e-mail", "mail", "mailen"),
        "PHONE_NUMBER": ("telefoon", "telefoonnummer", "mobiel", "mobiele", "nummer", "bel", "bellen", "gsm",
                         "tel", "bereikbaar", "06-nummer", "whatsapp"),
        "CREDIT_CARD": ("kaart", "creditcard", "kaartnummer", "bankpas", "pas", "betaalkaart", "visa",
                        "mastercard"),
        "IBAN_CODE": ("iban", "rekening", "rekeningnummer", "bankrekening", "overmaken", "terugstorten",
                      "storten", "bank"),
        "IP_ADDRESS": ("ip", "ip-adres", "ipadres", "router"),
        "URL": ("link", "url", "website", "site", "pagina"),
        "NL_BSN": ("bsn", "burgerservicenummer", "sofinummer", "sofi-nummer", "sofi"),
        "FR_NIR": ("sécurité sociale", "securite sociale", "nir"),
        "BE_NATIONAL_NUMBER": ("rijksregisternummer", "rijksregister", "nationaal nummer", "insz",
                               "identificatienummer"),
        "ADDRESS": ("adres", "leveradres", "afleveradres", "woon", "woont", "wonen", "postcode", "sturen naar",
                    "stuur het naar"),
    },
    "fr": {
        "EMAIL_ADDRESS": ("courriel", "e-mail", "email", "mail", "adresse", "mél"),
        "PHONE_NUMBER": ("téléphone", "telephone", "tél", "tel", "portable", "mobile", "numéro", "numero",
                         "appeler", "appelez", "rappeler", "joindre", "gsm", "fixe"),
        "CREDIT_CARD": ("carte", "bancaire", "crédit", "credit", "cb", "visa", "mastercard"),
        "IBAN_CODE": ("iban", "compte", "numéro de compte", "rib", "virement", "banque", "rembourser",
                      "remboursement"),
        "IP_ADDRESS": ("ip", "adresse ip", "routeur", "box"),
        "URL": ("lien", "url", "site", "page", "site web"),
        "NL_BSN": ("bsn",),
        "FR_NIR": ("sécurité sociale", "securite sociale", "sécu", "secu", "nir", "insee", "carte vitale",
                   "numéro de sécurité sociale"),
        "BE_NATIONAL_NUMBER": ("registre national", "numéro national", "numero national", "niss",
                               "rijksregisternummer"),
        "ADDRESS": ("adresse", "habite", "j'habite", "domicile", "livrez", "livraison", "code postal"),
    },
}


# Words that say a look-alike is something else: "version 1.6.5.40" is no IP address,
# "SIRET 57612161022185" no card, "ondernemingsnummer 0798.131.242" no phone. A candidate
# with one of these just before it is dropped; for cards only if no card word is near
# ("my card, reference 4111 ..."), since a missed card costs more than a false alarm.
NEGATIVE_CONTEXT: dict[str, tuple[str, ...]] = {
    "IP_ADDRESS": ("version", "versie", "v", "build", "firmware", "release", "app", "update"),
    "CREDIT_CARD": ("siret", "siren", "imei", "serial", "serienummer", "série", "reference", "referentie",
                    "référence", "kenmerk", "betalingskenmerk", "tracking", "suivi", "track",
                    # a parcel's tracking number is 12-15 digits too ("My parcel 561182729435")
                    "parcel", "colis", "pakket", "zending", "shipment", "envoi"),
    "PHONE_NUMBER": ("siret", "siren", "kvk", "btw", "tva", "vat", "ondernemingsnummer", "enterprise number",
                     "numéro d'entreprise", "iban", "invoice", "factuur", "facture", "order", "bestelling",
                     "commande", "tracking", "imei"),
}


@lru_cache(maxsize=None)
def negative_pattern(entity: str) -> re.Pattern | None:
    words = NEGATIVE_CONTEXT.get(entity)
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)(?:[^\w\n]{{1,4}}\w+){{0,2}}[^\w\n]{{0,12}}\Z",
                      re.IGNORECASE)


NEGATIVE_WINS = frozenset({"PHONE_NUMBER", "IP_ADDRESS"})


def has_negative_context(text: str, start: int, entity: str) -> bool:
    """A word right before the candidate (at most two words apart: "SIRET est",
    "référence de paiement") that names another kind of number."""
    pattern = negative_pattern(entity)
    return pattern is not None and pattern.search(text, max(0, start - 40), start) is not None


@lru_cache(maxsize=None)
def context_pattern(language: str, entity: str) -> re.Pattern | None:
    """One regex per (language, entity): that language's words plus the English ones."""
    words = set(CONTEXT_WORDS.get(language, {}).get(entity, ())) | set(CONTEXT_WORDS["en"].get(entity, ()))
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


# Where a sentence ends: a line break, or ".", "?" or "!" followed by a space and a
# capital ("tel. 06 ..." and "ca. 3 days" do not end one).
SENTENCE_END = re.compile(r"\n|[.?!]+[ \t]+(?=[^\W\d_])(?=\w)(?=[A-ZÀ-ÖØ-Þ])|[?!][ \t]+")


def _same_sentence(before: str, after: str) -> tuple[str, str]:
    ends = list(SENTENCE_END.finditer(before))
    if ends:
        before = before[ends[-1].end():]
    first = SENTENCE_END.search(after)
    if first:
        after = after[:first.start()]
    return before, after


def has_context(text: str, start: int, end: int, language: str, entity: str) -> bool:
    """A context word in the same sentence, at most CONTEXT_WINDOW characters before the
    candidate or CONTEXT_AFTER after it: "BSN: 445920865. Klantnummer 613049123" lifts
    the first number only."""
    pattern = context_pattern(language, entity)
    if pattern is None:
        return False
    before, after = _same_sentence(text[max(0, start - CONTEXT_WINDOW):start], text[end:end + CONTEXT_AFTER])
    return pattern.search(before) is not None or pattern.search(after) is not None
