"""Tuning lines for the PERSON rules on Dutch, Flemish and French chat (issue 19, session 4).

Customer-service chat lines in nl and fr (Belgian ones among both) written for this
project, for the name shapes the rules of session 3 still missed or were never tried on:
lowercase names after cues ("merci elodie", "vraag het aan joris"), first names that are
words ("Je suis Rose", "mijn naam is Roos"), initials with tussenvoegsels and particles
("K. van Leeuwen", "P.-Y. Dumas", "R.J. Verbeek"), capitalised particles before a
surname ("De Backer belt terug"), surname lists, names with no cue, hyphenated French
first names, Dutch 'ij' names, apostrophes (d'Hondt), particles (de, van der, le, du),
names in greetings and sign-offs ("Groetjes, Sanne", "Mvg, Bram", "Bien à vous, Mathilde
Rousseau"), and hard negatives: shops and brands, streets, cities, capitalised sentence
starts, and nl/fr words that are also first names.

Every name was made up for this file (common nl/be/fr first names and surnames put
together by hand). The frozen held-out sets (bench/data/pii_heldout_*.jsonl) were not
read while writing it. It was written and committed before any rule changed in session 4.

`python bench/pii_tuning3_nlfr.py` writes bench/data/pii_tuning3_nlfr.jsonl;
`bench/pii_eval.py --data bench/data/pii_tuning3_nlfr.jsonl` measures it. Markup:
[PERSON|text] is a gold span. A title ("Mevrouw", "Mme", "dhr.") is not part of the span;
initials are.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _labelled import write_labelled  # noqa: E402

OUT = Path(__file__).resolve().parent / "data" / "pii_tuning3_nlfr.jsonl"

LINES: list[tuple[str, str]] = [
    # ---- nl: lowercase names after a cue
    ("nl", "vraag het aan [PERSON|joris], die weet het"),
    ("nl", "hoi [PERSON|daan], is mijn pakket al verstuurd?"),
    ("nl", "dank je wel [PERSON|anouk], fijne avond nog"),
    ("nl", "ok top, bedankt [PERSON|wouter]!"),
    ("nl", "ik heb net gebeld met [PERSON|femke] van jullie"),
    ("nl", "groetjes [PERSON|lotte]"),
    ("nl", "mvg [PERSON|bram]"),
    ("nl", "hallo met [PERSON|thijs], ik bel over mijn retour"),
    ("nl", "mijn collega [PERSON|stijn] heeft het al doorgegeven"),
    ("nl", "ik ben [PERSON|marieke] en ik heb een vraag over mijn factuur"),
    ("nl", "kan [PERSON|jeroen] mij terugbellen?"),
    ("nl", "ik heb het al aan [PERSON|lieke] gevraagd maar geen antwoord"),
    ("nl", "dag [PERSON|gijs], alles is binnen, dankje"),
    ("nl", "top, thanks [PERSON|noor]"),
    ("nl", "mijn naam is [PERSON|sanne de boer], ordernummer staat in de mail"),
    ("nl", "groeten [PERSON|kees]"),
    # ---- nl: first names that are words
    ("nl", "mijn naam is [PERSON|Roos] en mijn bestelling is niet aangekomen"),
    ("nl", "Hoi, ik ben [PERSON|Fleur], ik heb een vraag over de maat"),
    ("nl", "Met [PERSON|Floor] van de webshop, waarmee kan ik u helpen?"),
    ("nl", "Hoi [PERSON|Bas], de schoenen zijn te klein."),
    ("nl", "Dag [PERSON|Lot], bedankt voor je snelle reactie!"),
    ("nl", "Groetjes, [PERSON|Roos]"),
    ("nl", "Ik ben [PERSON|Jet] en ik heb gisteren besteld."),
    ("nl", "Vraag maar naar [PERSON|Mark], hij heeft dienst tot vijf."),
    # ---- nl: initials with tussenvoegsels
    ("nl", "Het pakket is op naam van [PERSON|K. van Leeuwen]."),
    ("nl", "t.n.v. [PERSON|R.J. Verbeek], Postbus 12"),
    ("nl", "De factuur staat op [PERSON|J. de Vries-Smit]."),
    ("nl", "[PERSON|A.M. van der Linden] heeft de klacht ingediend."),
    ("nl", "Graag terugbellen naar dhr. [PERSON|P. Bakker]."),
    ("nl", "Mevr. [PERSON|H. van den Berg] wacht nog op haar geld."),
    ("nl", "Getekend door [PERSON|W. Smeets] op 3 maart."),
    ("nl", "[PERSON|E. Van Acker] uit Gent heeft gebeld."),
    ("nl", "De bon staat op naam van [PERSON|T. Wijnants]."),
    # ---- nl: capitalised particle + surname, bare surnames after cues
    ("nl", "[PERSON|De Backer] belt u morgen terug."),
    ("nl", "[PERSON|Van den Bossche] heeft het pakket aangenomen."),
    ("nl", "[PERSON|Van Hecke] stuurt vandaag nog de creditnota."),
    ("nl", "[PERSON|De Smedt] van logistiek kijkt ernaar."),
    ("nl", "Meneer [PERSON|Claeys] heeft gisteren al gebeld."),
    ("nl", "Mevrouw [PERSON|Dijkstra] wil graag een nieuwe afspraak."),
    ("nl", "Ik heb gesproken met [PERSON|Verhoeven] van de bezorgdienst."),
    ("nl", "Dhr. [PERSON|Vermeulen] is niet thuis, de bezorger komt morgen terug."),
    ("nl", "Collega [PERSON|Peeters] neemt uw dossier over."),
    # ---- nl: surname lists
    ("nl", "Aanwezig waren [PERSON|Peeters], [PERSON|Janssens] en [PERSON|Maes]."),
    ("nl", "Het team bestaat uit [PERSON|Jansen], [PERSON|De Vries] en [PERSON|Bos]."),
    ("nl", "Afgemeld: [PERSON|Wouters] en [PERSON|Goossens]."),
    # ---- nl: names with no cue
    ("nl", "[PERSON|Sanne Visser] heeft gisteren gebeld over de levering."),
    ("nl", "[PERSON|Wouter Claeys] komt morgen de wasmachine ophalen."),
    ("nl", "Is het pakket al bij [PERSON|Ilse Vandenberghe] afgeleverd?"),
    ("nl", "Volgens [PERSON|Pieter Mertens] is de betaling gelukt."),
    ("nl", "De retour van [PERSON|Kevin Lambrechts] is goedgekeurd."),
    ("nl", "[PERSON|Annelies Desmet] wil haar adres aanpassen."),
    ("nl", "Kunnen jullie [PERSON|Jasper Hoekstra] een mail sturen?"),
    ("nl", "Het account van [PERSON|Nienke Bosma] is geblokkeerd."),
    ("nl", "[PERSON|Youssef El Amrani] heeft twee keer betaald."),
    ("nl", "Ik bestel namens [PERSON|Lieve Van Damme], mijn moeder."),
    # ---- nl: 'ij', apostrophes, particles
    ("nl", "[PERSON|Stijn Wijnands] heeft de bestelling geannuleerd."),
    ("nl", "Hallo, ik ben [PERSON|Marijke van Dijk]."),
    ("nl", "[PERSON|Thijs Rijkaart] is de nieuwe contactpersoon."),
    ("nl", "De klacht komt van [PERSON|Gijs Bijl]."),
    ("nl", "[PERSON|Tim d'Hondt] heeft het formulier ingevuld."),
    ("nl", "Mevrouw [PERSON|D'Haese] belt om tien uur."),
    ("nl", "[PERSON|Lars van 't Hof] is vandaag afwezig."),
    ("nl", "[PERSON|Eline van der Meer] vroeg naar de status."),
    ("nl", "Het pakket is voor [PERSON|Bart ter Horst]."),
    ("nl", "[PERSON|Jan-Willem van den Heuvel] heeft de offerte getekend."),
    ("nl", "[PERSON|IJsbrand de Jong] heeft de factuur betaald."),
    # ---- nl: greetings and sign-offs
    ("nl", "Groetjes, [PERSON|Sanne]"),
    ("nl", "Mvg, [PERSON|Bram]"),
    ("nl", "Met vriendelijke groet,\n[PERSON|Els Verhoeven]"),
    ("nl", "Alvast bedankt,\n[PERSON|Noor]"),
    ("nl", "Groet, [PERSON|Joost Peters]"),
    ("nl", "Gr. [PERSON|Maarten]"),
    ("nl", "Grtz [PERSON|Kevin]"),
    ("nl", "Hartelijke groeten,\n[PERSON|Lies De Wolf]"),
    ("nl", "Beste [PERSON|Jolien], uw terugbetaling is onderweg."),
    ("nl", "Goedemiddag meneer [PERSON|Van Damme]... sorry, [PERSON|Van Dam], klopt dat?"),
    ("nl", "Fijne dag nog, [PERSON|Evi]!"),
    # ---- nl: cue words
    ("nl", "Mijn collega [PERSON|Dries] neemt contact met u op."),
    ("nl", "Mijn vrouw [PERSON|Hanneke] heeft de bestelling geplaatst."),
    ("nl", "Uw vraag is doorgestuurd naar [PERSON|Tom Segers]."),
    ("nl", "De bezorger, [PERSON|Mehmet], stond om acht uur voor de deur."),
    ("nl", "Ik word geholpen door [PERSON|Ruben]."),
    # ---- nl: negatives
    ("nl", "Ik heb het gekocht bij Albert Heijn in Leiden."),
    ("nl", "Kan ik het ophalen bij de Kruidvat in de Kerkstraat?"),
    ("nl", "De winkel aan de Grote Markt in Brugge is dicht."),
    ("nl", "Mijn pakket ligt bij het PostNL-punt in de Jumbo."),
    ("nl", "Morgen ben ik de hele dag thuis."),
    ("nl", "Alvast bedankt voor de moeite!"),
    ("nl", "Roos is mijn favoriete kleur, hebben jullie die nog?"),
    ("nl", "Is de Floor lamp ook in het zwart leverbaar?"),
    ("nl", "Bas en hoge tonen klinken vervormd op de speaker."),
    ("nl", "Ik woon in Den Bosch, niet in Eindhoven."),
    ("nl", "Het pakket ging van Antwerpen naar Leuven."),
    ("nl", "De Coolblue-bezorger was erg vriendelijk."),
    ("nl", "Lieve groeten en nog een fijne dag."),
    ("nl", "Mijn adres is de Stationsstraat, vlak bij het Delhaize."),
    ("nl", "Job gedaan, het werkt weer!"),
    ("nl", "Ik had de maat Small besteld maar kreeg Medium."),
    ("nl", "Wanneer komt de Zeeman-bestelling aan?"),
    ("nl", "Heel fijn, dank jullie wel."),
    ("nl", "Ik heb schoenen gekocht bij Van Haren in Utrecht."),
    ("nl", "De Vlaamse Ardennen zijn prachtig in de herfst."),
    # ---- fr: lowercase names after a cue
    ("fr", "merci [PERSON|elodie], c'est parfait"),
    ("fr", "bonjour [PERSON|camille], mon colis n'est toujours pas arrivé"),
    ("fr", "je vais demander à [PERSON|baptiste] de vous rappeler"),
    ("fr", "ok merci beaucoup [PERSON|léa]"),
    ("fr", "salut [PERSON|margaux], tu as reçu ma photo ?"),
    ("fr", "c'est [PERSON|julien], je vous ai écrit hier"),
    ("fr", "je suis [PERSON|amandine] et je voudrais un échange"),
    ("fr", "ma collègue [PERSON|sophie] m'a dit de vous contacter"),
    ("fr", "bonne journée [PERSON|mathis]"),
    ("fr", "je m'appelle [PERSON|inès haddad] et j'ai un souci de paiement"),
    ("fr", "cordialement [PERSON|nicolas]"),
    ("fr", "merci pour votre aide [PERSON|thomas] !"),
    ("fr", "j'en ai parlé avec [PERSON|océane] au magasin"),
    # ---- fr: first names that are words
    ("fr", "Bonjour, je suis [PERSON|Rose] et j'ai commandé une robe."),
    ("fr", "Je m'appelle [PERSON|Olive Marchand], commande 22817."),
    ("fr", "Moi c'est [PERSON|Violette], je vous écris pour un retour."),
    ("fr", "Merci [PERSON|Constance], bonne soirée !"),
    ("fr", "Bonjour [PERSON|Pierre], le remboursement est fait."),
    ("fr", "Je suis [PERSON|Prudence Mercier], cliente depuis 2019."),
    ("fr", "Bien à vous,\n[PERSON|Marine]"),
    ("fr", "C'est [PERSON|Aurore], je rappelle pour ma commande."),
    # ---- fr: initials with particles
    ("fr", "[PERSON|P.-Y. Dumas] s'occupe de votre dossier."),
    ("fr", "Le contrat est signé par [PERSON|J.-C. Lambert]."),
    ("fr", "M. [PERSON|A. Lefèvre] a demandé un avoir."),
    ("fr", "Mme [PERSON|C. Duval] attend toujours sa livraison."),
    ("fr", "Colis à remettre à [PERSON|F. de La Tour]."),
    ("fr", "La facture est au nom de [PERSON|M.-L. Fournier]."),
    # ---- fr: capitalised particle + surname, bare surnames after cues
    ("fr", "[PERSON|Le Goff] a confirmé la livraison pour jeudi."),
    ("fr", "[PERSON|Du Pont] rappellera dans l'après-midi."),
    ("fr", "[PERSON|De Clercq] du service après-vente a validé l'échange."),
    ("fr", "Madame [PERSON|Lemaire] a appelé ce matin."),
    ("fr", "Monsieur [PERSON|Gauthier] souhaite annuler sa commande."),
    ("fr", "J'ai eu au téléphone [PERSON|Moulin], du dépôt de Lille."),
    ("fr", "Mme [PERSON|Vandamme] ne peut pas se déplacer."),
    # ---- fr: surname lists
    ("fr", "Étaient présents : [PERSON|Dubois], [PERSON|Lambert] et [PERSON|Martin]."),
    ("fr", "Les techniciens [PERSON|Girard], [PERSON|Bonnet] et [PERSON|Fontaine] passeront lundi."),
    ("fr", "Dossiers suivis par [PERSON|Renard] et [PERSON|Leclercq]."),
    # ---- fr: names with no cue
    ("fr", "[PERSON|Jean-Baptiste Morel] a appelé hier pour son remboursement."),
    ("fr", "[PERSON|Marie-Claire Dupuis] n'a pas reçu son colis."),
    ("fr", "Le colis de [PERSON|Anne-Sophie Leroy] est bloqué en douane."),
    ("fr", "[PERSON|Pierre-Louis Caron] souhaite changer d'adresse."),
    ("fr", "Pouvez-vous envoyer la facture à [PERSON|Hélène Barbier] ?"),
    ("fr", "Selon [PERSON|Quentin Marchal], le paiement est passé."),
    ("fr", "[PERSON|Karim Benali] attend un appel du livreur."),
    ("fr", "Le compte de [PERSON|Chloé Vasseur] est bloqué."),
    ("fr", "[PERSON|Sébastien Lhoir] a renvoyé l'article lundi."),
    ("fr", "J'écris pour [PERSON|Nathalie Degrève], ma voisine."),
    ("fr", "[PERSON|Marie-Ève Tremblay] a passé commande depuis Montréal."),
    ("fr", "[PERSON|Jean-Michel Wauters] veut une facture à son nom."),
    # ---- fr: apostrophes, particles
    ("fr", "[PERSON|Thomas du Bois] a reçu un article abîmé."),
    ("fr", "[PERSON|Claire Le Roux] demande un geste commercial."),
    ("fr", "[PERSON|Hélène de la Tour] viendra chercher le colis."),
    ("fr", "[PERSON|Antoine d'Ornano] a payé par virement."),
    ("fr", "La commande est au nom de [PERSON|Julie L'Hermitte]."),
    ("fr", "[PERSON|Maxime Van Moer] a laissé un message."),
    # ---- fr: greetings and sign-offs
    ("fr", "Bien à vous, [PERSON|Mathilde Rousseau]"),
    ("fr", "Cordialement,\n[PERSON|Guillaume]"),
    ("fr", "Bàv, [PERSON|Camille Noël]"),
    ("fr", "Merci d'avance, [PERSON|Julien Petit]"),
    ("fr", "Bonne journée,\n[PERSON|Margaux]"),
    ("fr", "Bisous, [PERSON|Chloé]"),
    ("fr", "Belle soirée, [PERSON|Romain]"),
    ("fr", "Bien cordialement,\n[PERSON|Anne-Laure Pasquier]"),
    ("fr", "Salutations distinguées,\n[PERSON|Bernard Collignon]"),
    ("fr", "Bonjour Madame [PERSON|Lemoine]... pardon, [PERSON|Lemaître], je reviens vers vous."),
    ("fr", "Chère [PERSON|Amélie], votre avoir est disponible."),
    # ---- fr: cue words
    ("fr", "Ma collègue [PERSON|Justine] vous rappellera."),
    ("fr", "Mon mari [PERSON|Frédéric] a passé la commande."),
    ("fr", "Votre conseillère, [PERSON|Audrey], reste à votre disposition."),
    ("fr", "Le livreur [PERSON|Mamadou] est passé à 14 h."),
    ("fr", "Je suis suivie par [PERSON|Kevin] au service client."),
    # ---- fr: negatives
    ("fr", "J'ai acheté ce pull chez Carrefour à Namur."),
    ("fr", "Le magasin Decathlon de Liège est fermé le dimanche."),
    ("fr", "Livraison au [ADDRESS|12 rue Victor Hugo] ? Non, c'est boulevard Anspach."),
    ("fr", "Je passe par l'avenue Louise tous les jours."),
    ("fr", "Parfait, merci pour la réponse rapide."),
    ("fr", "Olive ou marine, quelle couleur reste en stock ?"),
    ("fr", "La robe Rose poudré est en rupture."),
    ("fr", "Pierre de taille ou brique, c'est pour un devis."),
    ("fr", "Nous livrons à Charleroi et à Mons le mardi."),
    ("fr", "Le point relais est au Monoprix de Saint-Denis."),
    ("fr", "Merci beaucoup, bonne journée !"),
    ("fr", "Constance de la qualité : rien à redire."),
    ("fr", "La Fnac m'a dit de voir avec vous."),
    ("fr", "Je suis à Nancy jusqu'à vendredi."),
    ("fr", "Aurore boréale est le nom du modèle de lampe."),
    ("fr", "Margaux ou Bordeaux, quel vin conseillez-vous ?"),
    ("fr", "Je commande souvent sur Vinted et Leboncoin."),
    ("fr", "La place Jean Jaurès est en travaux."),
    ("fr", "Mon colis est parti de Marseille lundi."),
    ("fr", "Salut, quelqu'un peut m'aider ?"),
    ("fr", "Les soldes chez Kiabi commencent mercredi."),
]

def main() -> None:
    write_labelled(LINES, OUT, "tune3")


if __name__ == "__main__":
    main()
