"""Tuning sentences for the PERSON rules (issue 19, session 3): chat lines in en, nl and
fr written for the name shapes the issue lists (names in no list with no cue, lowercase
names after a strong cue, initials and surnames, surname lists, multi-part East and
South-East Asian names, first names that are words) and hard negatives (brands, streets,
places, products made of names). Names were made up for this file, not taken from the
frozen held-out sets (which were not read while writing it).

`python bench/pii_tuning2.py` writes bench/data/pii_tuning2.jsonl; `bench/pii_eval.py
--data bench/data/pii_tuning2.jsonl` measures it. Markup: [PERSON|text] is a gold span.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _labelled import write_labelled  # noqa: E402

OUT = Path(__file__).resolve().parent / "data" / "pii_tuning2.jsonl"

LINES: list[tuple[str, str]] = [
    # ---- en: names in no list, no cue
    ("en", "[PERSON|Ilkka Marttinen] signed off the budget yesterday."),
    ("en", "[PERSON|Oyelaran Adebisi] will run the workshop on Friday."),
    ("en", "According to [PERSON|Tamsin Pendragon], the rollout slipped."),
    ("en", "[PERSON|Bartholomew Quince] reviewed the contract."),
    ("en", "The report from [PERSON|Svetlana Ivashkina] was clear."),
    ("en", "[PERSON|Dagny Halvorsen] joined the call late."),
    ("en", "We forwarded it to [PERSON|Mateus Carvalhinho] for approval."),
    ("en", "[PERSON|Chidera Nwachukwu] and [PERSON|Rasmus Kjeldgaard] wrote the draft."),
    ("en", "[PERSON|Aurelio Bustamante] presented the roadmap."),
    ("en", "Please cc [PERSON|Wiremu Tautahi] on the thread."),
    # ---- en: multi-part Asian names
    ("en", "[PERSON|Nguyen Thi Lan] called about her refund."),
    ("en", "Our contact is [PERSON|Tran Van Duc] in the Hanoi office."),
    ("en", "[PERSON|Park Seo-yeon] approved the design."),
    ("en", "Ask [PERSON|Zhang Wei] whether the invoice went out."),
    ("en", "[PERSON|Lee Jae-won] sent the files this morning."),
    ("en", "[PERSON|Haruki Tanabe] leads the Osaka team."),
    ("en", "[PERSON|Pham Minh Tuan] is on leave this week."),
    ("en", "[PERSON|Liu Yang] will join the demo."),
    # ---- en: lowercase with a strong cue
    ("en", "my name is [PERSON|kerensa] and I ordered twice"),
    ("en", "hi this is [PERSON|dimitri] from accounts"),
    ("en", "can you ask [PERSON|ingeborg] to call me back"),
    ("en", "thanks [PERSON|oluwaseun], that fixed it"),
    ("en", "ping [PERSON|anneliese] about the logs"),
    # ---- en: initials, bare surnames, lists
    ("en", "Signed, [PERSON|J. R. Whitcombe]"),
    ("en", "The letter was from [PERSON|M. Okonjo-Bright]."),
    ("en", "[PERSON|A.-L. Fontaine] handles the French accounts."),
    ("en", "Mr [PERSON|Thistlewood] will call you back."),
    ("en", "I spoke with [PERSON|Vasquez] about it."),
    ("en", "The reviewers: [PERSON|Adeyemi], [PERSON|Sandoval] and [PERSON|Kowalczyk]."),
    ("en", "Dr [PERSON|Ramaswamy] signed the form."),
    # ---- en: first names that are words
    ("en", "Hi, I'm [PERSON|Hope] from the Leeds store."),
    ("en", "My name is [PERSON|Rose Ashdown]."),
    ("en", "Thanks [PERSON|Will], see you Monday."),
    # ---- en: hard negatives
    ("en", "The Rose Garden Café opens at nine."),
    ("en", "Send it to Maple Street, not the depot."),
    ("en", "We shipped it from New Zealand last week."),
    ("en", "Victoria Station was closed for repairs."),
    ("en", "The Jackson Five tribute band played."),
    ("en", "Our Lincoln Park branch is busy."),
    ("en", "Will the parcel arrive before Friday?"),
    ("en", "May I change the delivery address?"),
    ("en", "The Ida cardigan is sold out."),
    ("en", "Harper Logistics picked it up."),
    ("en", "Order AUR-20931 left the Amsterdam hub."),
    ("en", "Please update the Aurora Plus plan."),
    # ---- nl
    ("nl", "[PERSON|Femke Dijkgraaf] heeft de offerte gestuurd."),
    ("nl", "Kun je [PERSON|Jorrit Haverkamp] even bellen?"),
    ("nl", "mijn naam is [PERSON|wietske] en ik wacht al een week"),
    ("nl", "vraag het maar aan [PERSON|sjoerd]"),
    ("nl", "bedankt [PERSON|marijke], het werkt weer"),
    ("nl", "[PERSON|K. de Groot-Veenstra] tekent het contract."),
    ("nl", "[PERSON|Van der Meulen] belt morgen terug."),
    ("nl", "De ondertekenaars: [PERSON|Bakker], [PERSON|Mulder] en [PERSON|Visser]."),
    ("nl", "Mevrouw [PERSON|Oosterhuis] heeft gebeld over de retour."),
    ("nl", "Ik heb gesproken met [PERSON|Hendriks] van de bezorgdienst."),
    ("nl", "mijn naam is [PERSON|Roos] en ik heb een vraag"),
    ("nl", "[PERSON|Thijs van 't Hoff] komt vrijdag langs."),
    ("nl", "Groeten, [PERSON|Anouk Bleeker]"),
    ("nl", "Hoi, met [PERSON|Sven] van de klantenservice."),
    ("nl", "[PERSON|Nguyen Van Long] heeft de bestelling opgehaald."),
    ("nl", "De Efteling is dicht op maandag."),
    ("nl", "Ik woon in Den Haag sinds 2019."),
    ("nl", "De Lindenlaan is afgesloten."),
    ("nl", "Bestelling 88213 is onderweg naar Utrecht."),
    ("nl", "Ben je morgen thuis voor de bezorger?"),
    ("nl", "Roos gold is de mooiste kleur."),
    # ---- fr
    ("fr", "[PERSON|Gwenaëlle Le Bihan] a validé le devis."),
    ("fr", "Pouvez-vous rappeler [PERSON|Thibault Desrosiers] ?"),
    ("fr", "je m'appelle [PERSON|maëlys] et j'attends ma commande"),
    ("fr", "merci [PERSON|anaïs], tout est réglé"),
    ("fr", "demande à [PERSON|clémentine] pour le remboursement"),
    ("fr", "[PERSON|P.-E. Lacombe] s'occupe du dossier."),
    ("fr", "[PERSON|De Smet] rappellera demain."),
    ("fr", "Les signataires : [PERSON|Lefebvre], [PERSON|Marchetti] et [PERSON|Benali]."),
    ("fr", "Madame [PERSON|Vandenbroucke] a appelé ce matin."),
    ("fr", "J'ai parlé avec [PERSON|Moreau] du service client."),
    ("fr", "Je suis [PERSON|Rose], de Lyon."),
    ("fr", "Bonjour, c'est [PERSON|Baptiste Roussel] à l'appareil."),
    ("fr", "Cordialement, [PERSON|Solène Garnier]"),
    ("fr", "[PERSON|Tran Thi Hoa] a reçu le colis."),
    ("fr", "[PERSON|Yacine Boudjemaa] présentera le projet."),
    ("fr", "La rue Victor Hugo est fermée."),
    ("fr", "Nous avons livré à Saint-Étienne hier."),
    ("fr", "Le pull Ines est en rupture de stock."),
    ("fr", "Claire et rapide, votre réponse, merci."),
    ("fr", "La commande 55120 part de Lille."),
    ("fr", "France Télévisions a diffusé le reportage."),
]

def main() -> None:
    write_labelled(LINES, OUT, "tune2")


if __name__ == "__main__":
    main()
