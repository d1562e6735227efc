"""The frozen held-out PII evaluation sets: hand-written sentences, never tuned on.

Written for issue 19 BEFORE any rule was changed, from the patterns the issue lists:
names of many origins picked by hand (not drawn from any name list the analyzer
reads), lowercase names in chat, initials and bare surnames, names that are also
words, multi-part Asian names, addresses of every country format the issue names,
phones of many regions (extensions, dotted US numbers), cards of every brand
(Luhn-valid numbers computed here), and hard negatives (place and company names made
of first names, street names without a number, SSN-like numbers).

`python bench/pii_heldout.py` rewrites bench/data/pii_heldout_en.jsonl and
bench/data/pii_heldout_nlfr.jsonl; the committed files are the frozen sets: do not
regenerate them after tuning. Each line: {"id", "language", "text", "spans": [{"entity",
"start", "end", "text"}]}.

Markup in the templates: [ENTITY|text] is a gold span written inline; {slot} is
filled from the pools below (each pool value carries its entity).
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SEED = 19

# ---------------------------------------------------------------------------- numbers


def _luhn_complete(body: str) -> str:
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


CARD_PREFIXES = [  # (brand, prefix, length)
    ("visa", "4", 16), ("visa", "4", 13), ("visa", "4", 19), ("mastercard", "53", 16), ("mastercard", "2231", 16),
    ("amex", "37", 15), ("amex", "34", 15), ("discover", "6011", 16), ("discover", "65", 16),
    ("diners", "36", 14), ("diners", "3056", 14), ("jcb", "3530", 16), ("jcb", "3566", 16),
    ("unionpay", "6212", 16), ("unionpay", "6250", 19), ("maestro", "6759", 12), ("maestro", "5018", 16),
    ("maestro", "6304", 19), ("maestro", "5020", 13), ("unionpay", "6282", 17),
]


def make_card(rng: random.Random) -> str:
    _, prefix, length = rng.choice(CARD_PREFIXES)
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    number = _luhn_complete(body)
    style = rng.random()
    if length == 15:
        parts = [number[:4], number[4:10], number[10:]]
    elif length == 14:
        parts = [number[:4], number[4:10], number[10:]]
    else:
        parts = [number[i:i + 4] for i in range(0, length, 4)]
    if style < 0.5:
        return " ".join(parts)
    if style < 0.7:
        return "-".join(parts)
    return number


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = f"{98 - int(digits) % 97:02d}"
    iban = country + check + bban
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def make_iban(rng: random.Random) -> str:
    country = rng.choice(["NL", "BE", "FR", "DE", "GB", "ES", "IT", "LU"])
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    bban = {"NL": lambda: "RABO" + d(10), "BE": lambda: (lambda f: f + f"{int(f) % 97 or 97:02d}")(d(10)),
            "FR": lambda: d(23), "DE": lambda: d(18), "GB": lambda: "NWBK" + d(14), "ES": lambda: d(20),
            "IT": lambda: "X" + d(22), "LU": lambda: d(16)}[country]()
    return _iban(country, bban)


# ---------------------------------------------------------------------------- pools (picked by hand)

EN_PEOPLE = """Zsófia Kertész|Haruto Sakamoto|Nguyen Van An|Chidi Okonkwo|Aleksandra Wiśniewska|Tomasz Grabowski
|Siobhan O'Sullivan|Mateus Carvalho|Ingrid Halvorsen|Dmitri Volkov|Priya Raghunathan|Arjun Mehta|Fatima Al-Sayed
|Youssef Benali|Kwame Mensah|Amara Nwosu|Li Wei|Zhang Xiaoming|Kim Min-jun|Park Ji-woo|Takeshi Morimoto|Yuki Tanaka
|Oluwaseun Adeyemi|Björn Lindqvist|Astrid Sørensen|Mikko Virtanen|Aino Korhonen|Giulia Bianchi|Lorenzo Ferraro
|Carmen Ruiz Delgado|Javier Ortega|Ana-Maria Popescu|Bogdan Ionescu|Eszter Nagy|Nikos Papadakis|Eleni Georgiou
|Ayşe Yılmaz|Mehmet Demir|Rahul Iyer|Deepika Nair|Tran Thi Mai|Sipho Dlamini|Thandiwe Khumalo|Keanu Kahale
|Marisol Quispe|Joaquín Herrera|Svetlana Petrova|Oksana Kovalenko|Radek Novák|Jana Dvořáková|Hamid Rezaei
|Leila Farahani|Kofi Boateng|Abebe Tesfaye|Makena Wanjiru|Sean Gallagher|Morag MacLeod|Gwen Pryce|Rhys Llewellyn
|Tyrone Jackson|Brianna Whitfield|Cody Hargrove|Darnell Price|Shauna McAllister|Trevor Banks|Megan Holloway
|Graham Pettigrew|Harriet Ashdown|Dylan Castellano|Raúl Mendoza|Guadalupe Ramírez|Hiroshi Nakamura|Mei Lin Chen
|Wang Fang|Lakshmi Subramanian|Imran Qureshi|Ngozi Eze|Tariq Haddad|Rania Khoury|Anh Pham|Bao Tran|Siddharth Rao
|Ewa Kowalczyk|Piotr Zieliński|Lena Hoffmann|Matthias Krüger|Sanne Bakker|Joost Verhoeven|Camille Laurent
|Étienne Moreau|Olumide Bakare|Aroha Ngata|Tane Walker|Saoirse Byrne|Cian Doherty|Emeka Obi|Yaw Asante""".replace(
    "\n", "").split("|")
EN_FIRST = """Zsófia|Haruto|Chidi|Ingrid|Priya|Kwame|Björn|Giulia|Javier|Eszter|Rahul|Sipho|Marisol|Svetlana|Hamid
|Makena|Rhys|Brianna|Darnell|Shauna|Trevor|Dylan|Hiroshi|Imran|Ngozi|Tariq|Ewa|Matthias|Saoirse|Emeka|Aroha|Cian
|Oksana|Leila|Yuki|Mateus|Deepika|Thandiwe|Kofi""".replace("\n", "").split("|")
EN_SURNAMES = """Okafor|Lindqvist|Moreau|Kertész|Sakamoto|Grabowski|Halvorsen|Volkov|Mensah|Ferraro|Ortega|Popescu
|Papadakis|Yılmaz|Dlamini|Quispe|Petrova|Boateng|Tesfaye|Gallagher|MacLeod|Llewellyn|Whitfield|Hargrove|Pettigrew
|Castellano|Nakamura|Qureshi|Haddad|Khoury|Kowalczyk|Hoffmann|Doherty|Asante""".replace("\n", "").split("|")
EN_INITIALS = ["K. van Leeuwen", "P.-Y. Dumas", "J. Okafor", "M. Lindqvist", "R. K. Narayan", "A. Bianchi",
               "T. Sakamoto", "S. J. Whitfield", "D. Papadakis", "H. Nakamura", "E. Kowalczyk", "L. Hoffmann"]
EN_LOWER = ["joris", "elodie", "priya", "haruto", "kwame", "zsofia", "darnell", "giulia", "matthias", "ngozi",
            "tariq", "shauna", "bjorn", "emeka", "yuki"]

NLFR_PEOPLE = """Joris van Leeuwen|Femke de Graaf|Sjoerd Hoekstra|Wouter Mulder|Lieke Verbruggen|Pieter-Jan De Backer
|Marloes Brouwer|Hendrik Visser|Anouk van den Broek|Thijs Kuipers|Noor El Idrissi|Mohamed El Amrani|Emre Yıldız
|Fatima Zahra Bennani|Bram Willems|Jolien Claes|Stijn Peeters|Wannes Goossens|Ellen Vermeulen|Kobe Maes
|Elodie Marchand|Thibault Rousseau|Amandine Leclercq|Gaëlle Moreau|Yannick Lemaire|Noémie Fontaine
|Pierre-Yves Dumas|Margaux Chevalier|Mathis Girard|Océane Barbier|Jean-Baptiste Rolland|Solène Perrin|Loïc Guérin
|Aurélien Dupuis|Capucine Vasseur|Romain Lefebvre|Chloé Mercier|Nguyen Thi Lan|Haruto Sakamoto|Zsófia Kertész
|Kwame Mensah|Aleksandra Wiśniewska|Samira Haddad|Karim Belkacem|Yasmina Cherif|Rachid Ouali|Ilse Janssens
|Dries Van Damme|Annelies Smet|Maarten Dewulf|Hélène Van de Velde|Cédric Dubois|Manon Lambert|Quentin Renard
|Laure Hermans|Sébastien Collignon|Inès Benchekroun|Daan Smit|Sophie van Rijn|Ruben Kok|Eva Jonker""".replace(
    "\n", "").split("|")
NLFR_FIRST = """Joris|Femke|Sjoerd|Lieke|Marloes|Thijs|Noor|Emre|Jolien|Stijn|Wannes|Kobe|Elodie|Thibault|Amandine
|Gaëlle|Yannick|Noémie|Margaux|Mathis|Océane|Solène|Loïc|Aurélien|Chloé|Samira|Karim|Yasmina|Rachid|Dries
|Annelies|Cédric|Manon|Quentin|Inès|Daan|Ruben""".replace("\n", "").split("|")
NLFR_SURNAMES = """De Backer|Van Damme|Verbruggen|Hoekstra|Mulder|Janssens|Peeters|Claes|Goossens|Marchand|Rousseau
|Leclercq|Lemaire|Fontaine|Chevalier|Girard|Barbier|Perrin|Guérin|Dupuis|Lefebvre|Mercier|Belkacem|Dewulf
|Collignon|Kuipers|Visser|Brouwer|Willems|Renard""".replace("\n", "").split("|")
NLFR_INITIALS = ["K. van Leeuwen", "P.-Y. Dumas", "J. de Graaf", "M. El Amrani", "A.-S. Leclercq", "W. Goossens",
                 "H. Visser", "S. Perrin", "J.-B. Rolland", "T. Kuipers", "E. Vermeulen", "C. Dubois"]
NLFR_LOWER = ["joris", "elodie", "femke", "thibault", "sjoerd", "noemie", "stijn", "margaux", "lieke", "karim",
              "wannes", "yasmina", "daan", "solene", "jolien"]

ADDRESSES = {
    "NL": ["Lindenlaan 7, 2611 XT Delft", "Keizersgracht 221-H, 1016 DV Amsterdam", "Oudegracht 14bis, 3511 AP Utrecht",
           "Stationsweg 3a, 9401 KJ Assen", "Willemsplein 12, 6811 KB Arnhem", "Burgemeester Roellstraat 88, 1064 BM Amsterdam",
           "Kerkstraat 5 A, 5611 GH Eindhoven", "Van Speijkstraat 140, 2518 GH Den Haag"],
    "BE": ["Rue Haute 112, 1000 Bruxelles", "Meir 45 bus 3, 2000 Antwerpen", "Kortrijksesteenweg 1088, 9051 Gent",
           "Avenue Louise 231, 1050 Ixelles", "Chaussée de Charleroi 17, 6000 Charleroi", "Bondgenotenlaan 76, 3000 Leuven",
           "Rue Saint-Gilles 21, 4000 Liège", "Grote Markt 9, 8000 Brugge"],
    "FR": ["27 avenue Jean Médecin, 06000 Nice", "14 rue des Lilas, 75019 Paris", "3 bis boulevard Carnot, 59800 Lille",
           "8 place Bellecour, 69002 Lyon", "12, chemin des Vignes, 33000 Bordeaux", "41 allée des Tilleuls, 44000 Nantes",
           "5 impasse du Moulin, 67000 Strasbourg", "102 cours Lafayette, 69003 Lyon"],
    "LU": ["12 rue de la Gare, L-1611 Luxembourg", "5, avenue Monterey, L-2163 Luxembourg", "45 route d'Arlon, L-8009 Strassen",
           "3 rue Principale, L-5480 Wormeldange"],
    "GB": ["221B Baker Street, London NW1 6XE", "14 Victoria Road, Leeds LS6 1DR", "Flat 3, 27 Kings Avenue, Bristol BS7 8JU",
           "9 Queen's Drive, Glasgow G42 8BZ", "58 Mill Lane, Cambridge CB2 1RX", "2 Station Approach, Woking GU22 7AP",
           "116 Gloucester Place, London W1U 6HZ", "31 Hawthorn Close, Norwich NR4 7TJ"],
    "US": ["1420 Maple Ridge Dr, Apt 5, Austin TX 78704", "350 Fifth Avenue, New York, NY 10118",
           "77 Massachusetts Ave, Cambridge, MA 02139", "2211 N 1st St, San Jose, CA 95131",
           "908 Elm Street, Springfield, IL 62704", "4550 Lakeshore Blvd, Suite 210, Chicago, IL 60615",
           "16 Pinecrest Lane, Boulder, CO 80302", "7301 Sunset Boulevard, Los Angeles, CA 90046"],
    "DE": ["Hauptstraße 12, 10115 Berlin", "Königsallee 60, 40212 Düsseldorf", "Am Markt 3, 28195 Bremen",
           "Schillerstr. 9a, 80336 München", "Friedrich-Ebert-Ring 41, 56068 Koblenz", "Lindenweg 4, 79098 Freiburg"],
}
PHONES = ["+1-512-834-2290x412", "512.834.2290", "(415) 239-8871", "+1 617 253 1000 ext. 3", "(212) 555-0187",
          "+44 20 7946 0321", "020 7946 0958", "+44 7911 123456", "0161 496 0735", "+49 30 901820", "+49 151 23456789",
          "030 12345678", "+33 6 12 34 56 78", "06 71 23 45 89", "01.45.67.89.10", "+32 470 12 34 56", "0470 12 34 56",
          "+31 6 12345678", "06-48213377", "020-5551234", "+352 621 123 456", "+34 612 345 678", "+39 06 6982 1234",
          "+81 3-1234-5678", "+81 90-1234-5678", "+91 98765 43210", "+55 11 91234-5678", "+61 2 9374 4000",
          "+27 21 123 4567", "+234 803 123 4567", "+7 495 123-45-67", "+86 138 0013 8000", "+82 10-2345-6789",
          "+48 601 234 567", "+46 70 123 45 67", "+353 87 123 4567", "+41 44 668 18 00", "+90 532 123 45 67",
          "+52 55 1234 5678", "+1 (604) 555-0143", "+64 21 123 4567", "+65 9123 4567", "+971 50 123 4567",
          "+358 40 123 4567", "+47 412 34 567", "+420 602 123 456", "0041 79 123 45 67", "0049 170 1234567"]
EMAILS = ["z.kertesz@example.hu", "haruto.sakamoto@mail.example.jp", "chidi_o@example.ng", "priya.r+orders@example.in",
          "lindqvist@example.se", "femke.degraaf@example.nl", "e.marchand@example.fr", "jbr@example.be",
          "kwame.mensah@example.com", "support-case-18@example.org"]
IPS = ["192.168.14.201", "10.0.3.17", "83.160.22.41", "2001:db8:85a3::8a2e:370:7334", "172.16.254.3", "203.0.113.54"]
URLS = ["https://example.com/account/8812", "www.example.org/profile?id=44", "http://intranet.example.net/tickets/3391",
        "https://shop.example.co.uk/orders/7781"]

# ---------------------------------------------------------------------------- templates

EN_TEMPLATES = """
{P} presented the plan to the board on Tuesday.
{P} lives at {ADR_US}.
The signatories: [PERSON|Okafor], [PERSON|Lindqvist] and [PERSON|Moreau].
Please forward the contract to {P} before Friday.
Yesterday {P} called from {PH}.
Can you ask {lc} about it?
thanks {lc}, that fixed it
Report prepared by {INI}.
{INI} approved the refund.
Meeting notes: {P}, {P} and {P} attended.
I spoke with {S} from accounting this morning.
My card number is {CC}, expiring 09/28.
Charge it to {CC} please.
You can reach me on {PH} after six.
Call {PH} if the courier is late.
Ship it to {ADR_GB}.
Our office moved to {ADR_US}.
Send the invoice to {ADR_DE}.
The package should go to {ADR_FR}.
Address: {ADR_NL}
Her new address is {ADR_BE}.
Write to us at {ADR_LU}.
{P} and {P} will co-author the paper.
According to {P}, the deadline is flexible.
The award went to {P} for her work on soil chemistry.
{F} said the servers were down again.
Ping {F} when the build is green.
Hi {F}, could you resend the file?
{P} ({EM}) requested access.
Contact {EM} or call {PH}.
Refund to IBAN {IB}.
The login came from {IP}.
Login attempts from {IP} and {IP} were blocked.
See {URL} for the details.
Mr {S} will join the call.
Dr. {S} reviewed the scan.
Professor {P} gives the keynote.
Dear {S}, thank you for your letter.
The phone on file is {PH} and the card is {CC}.
{P} was born in Kraków and moved to Leeds.
We hired {P} as the new head of design.
Ask {P} to sign both copies.
Both {F} and {F} are out sick today.
{P}, {P} and {P} are on the rota this weekend.
Lead investigator: {P}
Reviewed by {P} on 3 March.
Tell {lc} the meeting moved to 3pm
can {lc} cover my shift tomorrow?
ok so {lc} and {lc} are coming too
The driver, {P}, left the parcel at {ADR_GB}.
Deliver to {P}, {ADR_US}.
Please bill {P}, {ADR_DE}.
Card ending {CC} was declined.
My Maestro card is {CC}.
Use my JCB {CC} for the deposit.
He paid with {CC} on the 12th.
Phone: {PH}
Mobile {PH}, office {PH}.
The number {PH} belongs to {P}.
Her extension is {PH}.
We flew from San Francisco to New Zealand last spring.
Leo Logistics will pick up the pallets at noon.
Phoenix Dynamics signed the supplier agreement.
The cafe on Maple Street closes at nine.
Victoria Station was packed this morning.
Georgia Pacific raised its prices again.
The SSN field shows 078-05-1120 which is a test value.
Order 4412-8891-2210 shipped yesterday.
Invoice 2026-00417 is overdue by ten days.
Jordan Logistics and Austin Motors share a warehouse.
The Florence office handles the Milan accounts.
Sunday service at St. Paul's Cathedral starts at ten.
We met near Lake Victoria during the conference.
The report from Chelsea Harbour Ltd arrived late.
Ticket #88231 was closed by the system.
Version 10.4.22.1 fixes the crash.
The meeting is in room 4.12 at 14:30.
The trial ran from 2019-03-04 to 2021-11-30.
Lincoln Park is lovely in the autumn.
Washington Street is closed for repairs.
Hudson Bay Trading opened a new store.
The quarterly revenue was 1,234,567 dollars.
Marshall Amplifiers sponsored the festival.
Tracking code 1Z999AA10123456784 shows delivered.
Jackson Heights is a neighbourhood in Queens.
The Sydney Opera House was busy.
Our supplier Grace Textiles is late again.
The new Henry Schein catalogue is out.
Please reply to all by Friday.
The board approved the budget for next year.
Sales rose in France and Germany last quarter.
The package weighs 12.5 kg.
I'm at {ADR_US} until June.
Customer {P} disputes the charge on card {CC}.
{P} ({PH}) asked for a callback.
From: {P} <{EM}>
Signed, {P}
Regards, {F}
Best, {P}
Our engineer {P} will visit {ADR_GB} on Monday.
As {S} pointed out, the numbers do not add up.
{S} and {S} disagreed about the timeline.
I forwarded it to {S} yesterday.
Thanks to {INI} for the review.
Approved: {INI}, {INI}
{P} will take over from {P} next month.
""".strip().splitlines()

NL_TEMPLATES = """
Hoi, ik ben {P} en mijn bestelling is nog niet binnen
mijn naam is [PERSON|Roos] en ik wil retourneren
{S} belt terug
[PERSON|De Backer] belt u morgen terug
kun je {lc} even vragen?
dank je {lc}!
heb het aan {lc} doorgegeven
{P} heeft gisteren gebeld
bel me op {PH}
mijn nummer is {PH}
stuur het naar {ADR_NL}
mijn adres is {ADR_NL}
ik woon op {ADR_BE}
leveradres: {ADR_NL}
nieuw adres: {ADR_BE}
graag terugstorten op {IB}
mijn IBAN is {IB}
mijn kaart {CC} werd geweigerd
betaald met {CC}
mail me op {EM}
{P} en {P} komen morgen langs
groetjes, {F}
Met vriendelijke groet, {P}
Beste {P}, bedankt voor je bericht.
de monteur {P} komt tussen 8 en 12
{INI} heeft de offerte getekend
namens {INI}
collega {F} pakt dit op
{F} zegt dat het pakket kwijt is
vraag maar naar {S}
{S} en {S} zijn er vandaag niet
we gaan met Leo Logistics verzenden
het pakket komt uit San Francisco
ik woon in de Lindenlaan maar het nummer klopt niet
bestelnummer 2026-88412 is nog onderweg
de kortingscode ZOMER25 werkt niet
factuur 20260417 klopt niet
de Rose jurk in maat M graag
is de Fleur lamp weer op voorraad?
ik heb de Max versie besteld
mijn IP is {IP}
zie {URL}
het ging mis vanaf {IP}
mijn vrouw {F} heeft besteld
ik heet {F}
{P} ({PH}) wil teruggebeld worden
ik ben {lc} trouwens
""".strip().splitlines()

FR_TEMPLATES = """
Bonjour, je suis {P} et ma commande n'est pas arrivée
Je suis [PERSON|Rose], j'ai un souci avec ma commande
merci {lc}
merci {lc} pour ton aide
demande à {lc} stp
{P} a appelé hier
appelez-moi au {PH}
mon numéro : {PH}
livrez à {ADR_FR}
mon adresse est {ADR_FR}
j'habite {ADR_BE}
adresse de livraison : {ADR_LU}
envoyez la facture au {ADR_FR}
remboursez sur {IB} svp
mon IBAN : {IB}
ma carte {CC} a été refusée
payé avec la carte {CC}
écrivez-moi à {EM}
{P} et {P} passent demain
Cordialement, {P}
Bonne journée, {F}
Bonjour {P}, merci pour votre message.
le technicien {P} passera entre 8h et 12h
{INI} a signé le devis
de la part de {INI}
ma collègue {F} s'en occupe
{F} dit que le colis est perdu
demandez {S} à l'accueil
{S} vous rappelle demain
M. {S} est absent aujourd'hui
Mme {S} a validé la commande
on expédie avec Phoenix Dynamics
le colis vient de Nouvelle-Zélande
commande n° 2026-77120 toujours en transit
le code promo ETE25 ne marche pas
la robe Capucine en taille 38 svp
facture 20260519 erronée
mon IP : {IP}
voir {URL}
mon mari {F} a passé la commande
je m'appelle {F}
{P} ({PH}) souhaite être rappelé
c'est {lc} au fait
""".strip().splitlines()

SLOT = re.compile(r"\{(\w+)\}|\[(\w+)\|([^\]]+)\]")


def _pools(rng: random.Random, people, first, surnames, initials, lower):
    return {
        "P": ("PERSON", lambda: rng.choice(people)),
        "F": ("PERSON", lambda: rng.choice(first)),
        "S": ("PERSON", lambda: rng.choice(surnames)),
        "INI": ("PERSON", lambda: rng.choice(initials)),
        "lc": ("PERSON", lambda: rng.choice(lower)),
        "PH": ("PHONE_NUMBER", lambda: rng.choice(PHONES)),
        "CC": ("CREDIT_CARD", lambda: make_card(rng)),
        "IB": ("IBAN_CODE", lambda: make_iban(rng)),
        "EM": ("EMAIL_ADDRESS", lambda: rng.choice(EMAILS)),
        "IP": ("IP_ADDRESS", lambda: rng.choice(IPS)),
        "URL": ("URL", lambda: rng.choice(URLS)),
        **{f"ADR_{c}": ("ADDRESS", (lambda c=c: rng.choice(ADDRESSES[c]))) for c in ADDRESSES},
    }


def render(template: str, pools) -> tuple[str, list[dict]]:
    text, spans, pos = "", [], 0
    for match in SLOT.finditer(template):
        text += template[pos:match.start()]
        if match.group(1):
            entity, draw = pools[match.group(1)]
            value = draw()
        else:
            entity, value = match.group(2), match.group(3)
        spans.append({"entity": entity, "start": len(text), "end": len(text) + len(value), "text": value})
        text += value
        pos = match.end()
    return text + template[pos:], spans


def build(templates: list[tuple[str, str]], pools, prefix: str, rounds: int) -> list[dict]:
    lines = []
    for r in range(rounds):
        for i, (language, template) in enumerate(templates):
            if r and "{" not in template:  # a fixed sentence only once
                continue
            text, spans = render(template, pools)
            lines.append({"id": f"{prefix}-{r}-{i}", "language": language, "text": text, "spans": spans})
    return lines


def main() -> None:
    DATA.mkdir(exist_ok=True)
    rng = random.Random(SEED)
    en_pools = _pools(rng, EN_PEOPLE, EN_FIRST, EN_SURNAMES, EN_INITIALS, EN_LOWER)
    en = build([("en", t) for t in EN_TEMPLATES], en_pools, "en", 4)
    nlfr_pools = _pools(rng, NLFR_PEOPLE, NLFR_FIRST, NLFR_SURNAMES, NLFR_INITIALS, NLFR_LOWER)
    nlfr = build([("nl", t) for t in NL_TEMPLATES] + [("fr", t) for t in FR_TEMPLATES], nlfr_pools, "nlfr", 4)
    for name, lines in (("pii_heldout_en.jsonl", en), ("pii_heldout_nlfr.jsonl", nlfr)):
        with open(DATA / name, "w", encoding="utf-8") as out:
            for line in lines:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        print(f"{name}: {len(lines)} lines, {sum(len(x['spans']) for x in lines)} gold spans")


if __name__ == "__main__":
    main()
