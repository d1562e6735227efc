"""A check set for the nl/fr PERSON rules of session 4 (issue 19), written AFTER those
rules, with names and phrasings not used while writing them, and measured once before
any further change: how far the tuning on bench/data/pii_tuning3_nlfr.jsonl carries.

Customer-service chat lines in nl and fr (Belgian ones among both), hand-written for this
project; names made up from common nl/be/fr first names and surnames. The frozen
held-out sets were not read.

`python bench/pii_check4_nlfr.py` writes bench/data/pii_check4_nlfr.jsonl. Markup as in
bench/pii_tuning3_nlfr.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _labelled import write_labelled  # noqa: E402

OUT = Path(__file__).resolve().parent / "data" / "pii_check4_nlfr.jsonl"

LINES: list[tuple[str, str]] = [
    ("nl", "goedemorgen, ik ben [PERSON|hanna] en ik mis een onderdeel"),
    ("nl", "Beste klantenservice, mijn buurman [PERSON|Gerrit Zonneveld] heeft het pakket aangenomen."),
    ("nl", "Ik heb vorige week met [PERSON|Annick] gebeld over de garantie."),
    ("nl", "De factuur moet op naam van dhr. [PERSON|M. Verstappen]."),
    ("nl", "[PERSON|Yvonne Meulenbroek] kan het pakket ophalen."),
    ("nl", "Mijn dochter [PERSON|Fenne] heeft per ongeluk twee keer besteld."),
    ("nl", "Volgens uw collega [PERSON|Bjorn] zou ik gisteren al bericht krijgen."),
    ("nl", "hoi, weet [PERSON|sem] al iets meer over mijn retour?"),
    ("nl", "Kunt u mevrouw [PERSON|Van Roey] laten weten dat het klaar ligt?"),
    ("nl", "Dank u wel [PERSON|Lieselot], u heeft me heel goed geholpen."),
    ("nl", "Vriendelijke groeten,\n[PERSON|Koen] en [PERSON|Tineke Vanhaecke]"),
    ("nl", "Graag contact opnemen met [PERSON|Ria de Groot-Peters]."),
    ("nl", "Ik had [PERSON|Mohammed] aan de lijn, hij zou het regelen."),
    ("nl", "Het pakket is afgegeven bij fam. [PERSON|Smulders] op nummer 12."),
    ("nl", "Uw bestelling is verzonden. Met vriendelijke groet, [PERSON|Karlijn] | Klantenservice"),
    ("nl", "[PERSON|Wendy] van de winkel in Hasselt zei dat ik hier moest zijn."),
    ("nl", "Ik bel namens mijn vader, [PERSON|Jozef Leenaerts]."),
    ("nl", "De monteur, [PERSON|Rachid El Khatib], komt donderdag tussen 8 en 12."),
    ("nl", "Ik ben [PERSON|Dewi] en ik heb een vraag over mijn abonnement."),
    ("nl", "ok super bedankt [PERSON|marloes]"),
    ("nl", "[PERSON|Thomas Vervoort] en [PERSON|Ine Bogaert] hebben samen besteld."),
    ("nl", "Wanneer belt [PERSON|Verlinden] mij terug?"),
    ("nl", "Wilt u de retour op naam van [PERSON|H.J. Kuipers] zetten?"),
    ("nl", "Groetjes [PERSON|Sophie] x"),
    ("nl", "Ik ben [PERSON|Lars van der Wal], klantnummer staat hieronder."),
    ("nl", "vraag maar aan [PERSON|gijs van dam], die weet ervan"),
    ("nl", "Mijn vriendin [PERSON|Esra] heeft het voor mij besteld."),
    ("nl", "[PERSON|Van Gestel] van de boekhouding stuurt u de creditnota."),
    ("nl", "Hallo [PERSON|Bert], is het al gelukt met de terugbetaling?"),
    ("nl", "Pakket ligt bij de buren ([PERSON|Hendrickx])."),
    ("nl", "De Kruidvat naast de Hema is het ophaalpunt."),
    ("nl", "Ik woon in Mechelen en werk in Brussel."),
    ("nl", "De Jan van Galenstraat is opgebroken."),
    ("nl", "Morgen komt de bezorger van DHL tussen 9 en 11."),
    ("nl", "Fleur is uitverkocht, welke kleur raden jullie aan?"),
    ("nl", "Bedankt voor het snelle antwoord, fijne dag nog!"),
    ("nl", "Hoi! Mijn pakket is nog steeds niet binnen."),
    ("nl", "Het model Roos is mooier dan het model Lily."),
    ("nl", "Groen Licht is de naam van onze nieuwsbrief."),
    ("nl", "Sint-Niklaas en Sint-Truiden zijn geen leveradressen."),
    ("fr", "Bonjour, je m'appelle [PERSON|Léonie Charlier] et j'ai un problème avec ma commande."),
    ("fr", "Mon mari, [PERSON|Olivier], a déjà appelé deux fois."),
    ("fr", "Pourriez-vous transmettre à Mme [PERSON|Lejeune] ?"),
    ("fr", "merci [PERSON|gaëlle] pour ta patience"),
    ("fr", "C'est noté, [PERSON|Sylvain] s'en occupe."),
    ("fr", "Votre conseiller [PERSON|Rémi Jacquemart] vous rappellera demain."),
    ("fr", "J'ai eu [PERSON|Vanessa] au téléphone ce matin."),
    ("fr", "Le colis a été remis à M. [PERSON|Thibaut Lallemand]."),
    ("fr", "Cordialement,\n[PERSON|Hélène] et [PERSON|Marc Dufresne]"),
    ("fr", "[PERSON|Jean-Marc Pirotte] attend toujours son remboursement."),
    ("fr", "La commande est au nom de [PERSON|DESCHAMPS Aurélie]."),
    ("fr", "salut, c'est [PERSON|lucas], t'as reçu mon mail ?"),
    ("fr", "Bonne soirée [PERSON|Nadine] !"),
    ("fr", "[PERSON|Mathieu d'Aubigny] a réglé par carte."),
    ("fr", "Ma fille [PERSON|Zoé] a reçu le mauvais modèle."),
    ("fr", "Je suis [PERSON|Capucine], cliente à Namur."),
    ("fr", "Le technicien, [PERSON|Stéphane Wéry], est passé lundi."),
    ("fr", "Veuillez contacter Mlle [PERSON|Fontaine] pour la suite."),
    ("fr", "[PERSON|Lambert] et [PERSON|Delvaux] sont en congé cette semaine."),
    ("fr", "J'ai parlé à [PERSON|Yasmina] du service client."),
    ("fr", "bisous [PERSON|manon]"),
    ("fr", "[PERSON|Thierry Van den Eynde] a laissé un avis."),
    ("fr", "Merci de rappeler Monsieur [PERSON|Boulanger] au [PHONE_NUMBER|0471 23 45 67]."),
    ("fr", "A.R. : [PERSON|J. Dumont]"),
    ("fr", "De la part de [PERSON|Bernadette Lhoest]."),
    ("fr", "Le livreur [PERSON|Ousmane] n'a pas sonné."),
    ("fr", "C'est [PERSON|Élise Marchetti], je vous ai écrit vendredi."),
    ("fr", "Bonjour [PERSON|Agathe], votre échange est validé."),
    ("fr", "Je voudrais parler à [PERSON|Benjamin Collard], s'il vous plaît."),
    ("fr", "Je vis à Namur mais je travaille à Wavre."),
    ("fr", "La boutique de Louvain-la-Neuve est fermée."),
    ("fr", "Marine ou bordeaux, les deux me plaisent."),
    ("fr", "Le magasin Boulanger de Lille a le même prix."),
    ("fr", "Merci pour tout et bonne journée !"),
    ("fr", "Rose pâle ou Rose vif ?"),
    ("fr", "La rue Léopold est en travaux."),
    ("fr", "Saint-Gilles et Ixelles sont livrés le jeudi."),
    ("fr", "Les Galeries Lafayette ont le même modèle."),
    ("fr", "Constance et patience sont nos valeurs."),
]


def main() -> None:
    write_labelled(LINES, OUT, "check4")


if __name__ == "__main__":
    main()
