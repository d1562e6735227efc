"""Word lists for the name recognizer: cues that announce a name, and common words that
must not be taken for one. Written for this project (en, nl, fr support chats).

A first-name list holds "Will", "May", "Rose", "Grace", "June", "Ben" (Dutch "am"),
"Claire" (French "clear"), "France" and "Florence"; at the start of a sentence those are
usually just words. AMBIGUOUS_FIRST_NAMES are reported only with a cue ("Hi Will,") or a
surname after them ("Grace Miller"). COMMON_WORDS are never part of a name at all.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# First names that are also ordinary words, months, places or product words in en/nl/fr.
AMBIGUOUS_FIRST_NAMES = _words("""
    Amber Ambre Angel April August Autumn Bill Bo Bob Brook Brooke Carol Chase Crystal Daisy Dale Dawn Dean
    Destiny Diamond Don Drew Eden Eve Faith Fay Frank Gail Gene Glen Grace Grant Guy Hazel Holly Hunter Ivy
    Jack Jade Jay Joy June Kay Kent Lance Lee Lily Lynn Mark Mason Max May Misty Nick Parker Penny Ray Rob
    Robin Rose Sandy Shelby Sierra Stan Sue Summer Tanner Taylor Ward Warren Will Iris Nova Chelsea Austin
    Dakota Madison Savannah Sydney Florence Milan Victoria Georgia Virginia Carolina Brittany Alexandria
    Kerry Regina Jan Cole Dallas Paris Rowan Faye Reese Chance Page Dusty Sunny Star Valentine Puck
    Ben Bas Dan Elke Roos Fleur Floor Job Jet Kick Line Lies Joke Ties Lot Mare Rune Leen Lander Lieve
    Aimé Aimée Claire Constance France Marine Victoire Capucine Clémence Constant Honoré Noël Pierre Aurore
    Maxime Océane Mégane Zoé Colombe Olive Violette Prudence Blanche Céleste Reine Perle Toussaint Ange Désiré
    Modeste Aurora Apple Amazon Patience
""")

# Never part of a name: function words, days, months, greetings, titles, roles and the
# capitalised words of support chats. Lowercase; compared with a token's lowercase form.
COMMON_WORDS = _words("""
    a an the and or but if then so as at by for from in into of on onto to with without about after before
    i me my mine we us our you your yours he him his she her it its they them their this that these those
    is am are was were be been being have has had do does did will would shall should can could may might
    must not no yes ok okay please thanks thank thx cheers hi hello hey dear regards best kind sincerely
    yours bye goodbye morning afternoon evening night today tomorrow yesterday week month year
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    mr mrs ms miss dr sir madam team support customer customers service services client clients staff agent
    order orders parcel package delivery return returns refund invoice payment account card bank help
    there here all everyone everybody someone anyone friend friends colleague colleagues manager
    what when where why how who which while also just still again already now soon later sorry
    dutch french belgian english british american german european netherlands belgium france germany
    luxembourg london amsterdam rotterdam brussels bruxelles antwerp antwerpen paris lyon lille
    order number tracking code voucher gift size colour color black white red blue green grey gray pink
    gold silver rose jade plus pro max mini lite premium standard express basic
    de het een en of maar als dan dus want om op in aan bij met van voor naar uit over onder tot door
    ik mij me mijn wij we ons onze jij je jou jouw u uw hij hem zijn zij ze haar hun het dit dat deze die
    ben bent is zijn was waren heb hebt heeft hebben had kan kun kunt kunnen wil wilt willen zal zou moet
    niet geen wel ja nee graag dank bedankt alvast groet groeten groetjes vriendelijke hoi hallo hey beste
    geachte lieve goedemorgen goedemiddag goedenavond dag doei tot ziens
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart mei juni juli
    augustus oktober
    heer mevrouw meneer mijnheer dhr mevr klant klanten klantenservice team collega bestelling pakket
    levering retour factuur betaling rekening kaart hulp iedereen allemaal allen iemand
    nederland belgië belgie frankrijk duitsland nederlands vlaams frans engels
    le la les un une des du au aux et ou mais si donc car pour par sur sous dans avec sans chez entre vers
    je moi mon ma mes nous notre nos tu toi ton ta tes vous votre vos il elle ils elles lui leur leurs
    ce cet cette ces qui que quoi dont où est sont était suis es sommes êtes ai as avons avez ont
    pas ne plus oui non merci bonjour bonsoir salut coucou cher chère chers chères madame monsieur
    mademoiselle mme mlle cordialement salutations bien bonne journée soirée revoir bientôt
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril mai juin juillet
    août aout septembre octobre novembre décembre decembre
    commande colis livraison retour remboursement facture paiement compte carte aide équipe equipe
    service clients tous toutes quelqu'un belgique allemagne français francais
    fam familie famille family fan fans afdeling département departement hein
    zwart wit rood groen blauw geel grijs roze paars oranje bruin beige noir blanc rouge vert bleu jaune gris
    violet marron
""")

PARTICLES = _words("van de der den ter ten te het 't t von vom zu du le la les des d' da dos das di del della el al "
                   "bin ibn mac mc op in 'in")

# Cues right before a name, as phrases of lowercase words (a word may hold ' . / -).
# STRONG: a name follows ("my name is", "ik heet", "my wife"), even one in no list.
# GREETING: greetings and sign-offs; an unknown word after one is a name if it ends the
# phrase ("Hi Zbigniew,") or is two capitalised words. WEAK: phrases that often precede
# a name ("I'm", "spoke to", "met"): they lift a known first name, and two capitalised
# unknown words, never one ("I'm Dutch"). COLON: only when followed by ":" ("Name:").
# TITLES must be the last word, on the same line, with a space after: "Mr Bennett",
# "Mevr. de Vries", "M. Dubois" (but not "AX-972-M.").
_RELATIONS = {
    "my": "husband wife partner son daughter mother mum mom father dad colleague manager boss friend neighbour "
          "neighbor brother sister girlfriend boyfriend",
    "mijn": "man vrouw partner zoon dochter moeder vader collega buurman buurvrouw broer zus vriend vriendin",
    "mon": "mari fils frère père conjoint voisin ami collègue",
    "ma": "femme fille sœur soeur mère conjointe voisine amie collègue",
}
STRONG_CUES = frozenset([
    "my name is", "my name's", "name is", "i am called", "surname is", "last name is", "first name is",
    "full name is", "account holder is", "in the name of", "contact person is", "signed", "c/o",
    "mijn naam is", "ik heet", "achternaam is", "voornaam is", "op naam van", "ten name van", "t.n.v.", "tnv",
    "t.n.v", "t.a.v.", "t.a.v", "tav", "contactpersoon is", "genaamd",
    "je m'appelle", "mon nom est", "je me nomme", "au nom de", "s'appelle", "à l'attention de",
    "a l'attention de", "nom de famille est", "titulaire du compte est", "fam.",
    *[f"{owner} {who}" for owner, people in _RELATIONS.items() for who in people.split()],
])
COLON_CUES = frozenset([
    "name", "full name", "first name", "last name", "surname", "account holder", "contact person", "attn", "attn.",
    "attention", "naam", "achternaam", "voornaam", "contactpersoon", "tenaamstelling", "rekeninghouder",
    "nom", "prénom", "nom de famille", "titulaire", "titulaire du compte",
])
GREETING_CUES = frozenset([
    "hi", "hello", "hey", "dear", "good morning", "good afternoon", "good evening", "morning", "thanks",
    "thank you", "thx", "cheers", "regards", "kind regards", "best regards", "warm regards", "best wishes", "best",
    "sincerely", "yours sincerely", "many thanks", "bye", "take care", "greetings",
    "hoi", "hallo", "beste", "geachte", "lieve", "goedemorgen", "goedemiddag", "goedenavond", "dag", "bedankt",
    "dank je", "dank je wel", "dankjewel", "dank u", "dank u wel", "groeten", "groetjes", "vriendelijke groet",
    "vriendelijke groeten", "met vriendelijke groet", "met vriendelijke groeten", "mvg", "hartelijke groet",
    "hartelijke groeten", "tot ziens", "doei",
    "bonjour", "bonsoir", "salut", "coucou", "cher", "chère", "chers", "merci", "merci beaucoup", "cordialement",
    "bien cordialement", "bien à vous", "salutations", "sincères salutations", "bonne journée", "à bientôt",
    "au revoir", "amicalement", "bises",
    # chat sign-offs (nl, be, fr): "Mvg, Bram", "Grtz Kevin", "Bàv, Camille", "Bisous, Chloé"
    "groet", "grtz", "grts", "alvast bedankt", "alvast dank", "fijne dag", "fijne avond", "fijne dag nog",
    "fijn weekend", "prettige dag", "vriendelijke groetjes", "lieve groetjes", "liefs",
    "bàv", "bav", "bisous", "gros bisous", "belle journée", "belle soirée", "bonne soirée", "bonne fin de journée",
    "salutations distinguées", "merci d'avance", "merci bien", "à plus", "bien à toi", "amitiés",
])
WEAK_CUES = frozenset([
    "i'm", "i am", "this is", "it's", "it is", "here is", "here's", "spoke to", "spoke with", "talked to",
    "talked with", "speak to", "speak with", "ask for", "asked for", "colleague", "agent", "courier", "driver",
    "technician", "cc", "named", "called", "sent by", "from",
    "ik ben", "dit is", "met", "namens", "gesproken met", "sprak met", "collega", "bezorger", "chauffeur",
    "monteur",
    "je suis", "c'est", "c'est encore", "c'est encore moi", "moi c'est", "ici", "de la part de", "parlé à", "parlé avec", "mon collègue",
    "ma collègue", "livreur", "livreuse", "conseiller", "conseillère", "technicien",
    # "Vraag maar naar Mark,", "J'ai eu au téléphone Moulin", "Ik had Peeters aan de lijn"
    "vraag naar", "vraag maar naar", "vragen naar", "aan de lijn", "aan de telefoon", "au téléphone",
    "on the phone with", "geholpen door", "aidé par", "aidée par", "helped by",
    "familie", "famille", "fam",
])
TITLES = frozenset("""
    mr mr. mrs mrs. ms ms. miss mx dr dr. prof prof. sir dhr dhr. mevr mevr. mevrouw meneer mijnheer heer ir ir.
    ing ing. drs drs. m. mme mme. mlle mlle. monsieur madame mademoiselle maître docteur
    mw mw. melle melle.
""".split())
CUE_WORD = re.compile(r"[\w'./\-]+")
VOCATIVE_BEFORE = re.compile(r",[ \t]*\Z")
VOCATIVE_AFTER = re.compile(r"[ \t]*(?:[.!?,]|\n|\Z)")

# A capitalised word right after a name-looking span that makes it a company, a place or
# a street: "Leo Logistics", "Phoenix Dynamics", "Victoria Station", "Maple Street",
# "Jackson Heights". Lowercase; compared with the next word's lowercase form.
NOT_A_PERSON_AFTER = _words("""
    logistics dynamics ltd ltd. limited inc inc. corp corp. corporation co co. company llc plc gmbh ag bv b.v. nv
    n.v. sa s.a. sarl sas srl spa group groep holding holdings partners associates systems solutions consulting
    technologies technology tech labs lab software services industries international enterprises ventures capital
    media studio studios design motors automotive textiles trading foods bakery bakkerij boulangerie cafe café
    restaurant bistro brasserie hotel hôtel shop store boutique pharmacy apotheek pharmacie clinic kliniek clinique
    bank insurance verzekeringen assurances airlines airways express transport freight shipping energy electric
    pacific atlantic brothers bros sons & foundation fund trust institute instituut university universiteit
    université college school academy museum gallery theatre theater cinema stadium arena centre center
    street st road rd avenue ave lane ln drive dr boulevard blvd way close place square plaza park parkway
    station airport harbour harbor bay lake river valley heights hill hills bridge gardens estate island islands
    beach mountain mountains county city town village district region
    straat laan weg plein gracht kade dijk markt rue chaussée boulevard quai
    opera cathedral church kerk église abbey castle palace tower
    amplifiers guitars records music
""")

# A word right before a name-looking span that makes it a place: "San Francisco",
# "New Zealand", "Lake Victoria", "St. Paul", "Fort Collins", "Nouvelle-Zélande".
PLACE_BEFORE = _words("""
    san santa são sao st st. saint sainte sint sankt new nouvelle nouveau lake loch mount mt mt. fort port cape
    los las el la le north south east west upper lower great little
""")

# Lowercase cues for a name written in lowercase in chat: "ask joris", "vraag lieke",
# "demande à elodie". Greetings and thanks count too ("merci elodie", "thanks joris").
LOWERCASE_CUES = frozenset([
    "ask", "tell", "ping", "call", "cc", "with", "vraag", "vraag aan", "aan", "bel", "demande à", "demandez à",
    "appelle",
    "i'm", "im", "ik ben", "c'est", "je suis", "this is", "dit is", "met", "avec", "and", "en", "et", "so", "ok so",
    "demander à", "demandé à", "parlé à", "parlé avec", "parler à", "parler avec", "voir avec", "vois avec",
    "voyez avec", "gevraagd aan", "vragen aan", "geholpen door", "helped by",
    # "jullie collega ilse", "votre collègue sabrina", "le livreur s'appelait karim"
    "collega", "collègue", "colleague", "heet", "heette", "s'appelle", "s'appelait", "genaamd", "named", "called",
    # chat sign-offs before a lowercase name ("gr sanne", "xx lotte"); lowercase only, so
    # that "7451 GR Utrecht" is no greeting
    "gr", "grtjs", "xx", "xxx", "bisous", "bises", "biz",
    "voor", "pour", "for",  # "het pakket is voor sanne" (six core locales' names only)
])

# The weakest of them: a lowercase name after these must be one of the six core locales'.
LOWERCASE_CONJUNCTIONS = frozenset(["and", "en", "et", "so", "ok so", "with", "met", "avec", "voor", "pour", "for"])


# Shops and brands named after a person (nl, be, fr): never a person as a whole.
NOT_A_PERSON_NAMES = frozenset([
    "Albert Heijn", "Dirk van den Broek", "Jan Linders", "Bart Smit", "Hans Anders", "Van Haren", "Kees Smit",
    "Jules Destrooper", "Pierre Marcolini", "Jeff de Bruges", "Marie Blachère", "Yves Rocher", "Louis Vuitton",
    "Jean Louis David", "Franck Provost", "Jacques Dessange", "Camille Albane", "Pierre Cardin", "Christian Dior",
    "Yves Saint Laurent", "Jean Paul Gaultier", "Karl Lagerfeld", "Ted Baker", "Tommy Hilfiger", "Calvin Klein",
    "Hugo Boss", "Ralph Lauren", "Marc O'Polo", "Louis Pion", "Pierre Hermé", "Guy Degrenne", "Jean Coutu",
    # telecom and energy companies people call ("J'ai eu Orange au téléphone")
    "Orange", "Free", "Engie", "Scarlet", "Sosh", "Bouygues", "Luminus", "Eneco", "Essent", "Odido",
    # shops ("Alvast bedankt Jumbo!")
    "Jumbo", "Hema", "Action", "Kruidvat", "Lidl", "Aldi", "Colruyt", "Delhaize", "Carrefour", "Zeeman", "Blokker",
    "Gamma", "Praxis", "Karwei", "Zalando", "Wehkamp", "Coolblue", "Bol", "Kiabi", "Darty", "Fnac", "Boulanger",
    # first names of the lists that are brands people call ("I had Amazon on the phone")
    "Amazon", "Apple", "Dell", "Virgin", "Tesla", "Lexus", "Dior",
])

# Cities and towns of NL, BE and FR, some of them also first names: one right after a
# word of place ("Je suis à Nancy", "ik woon in Florence") is no person.
CITIES_LIKE_NAMES = frozenset("""
    Nancy Florence Lourdes Valence Laval Albert Orange Vienne Sedan Dax Agen Auch Albi Alès Vannes Lorient Laon
    Roubaix Denain Dole Évry Evry Meaux Rodez Millau Cognac Margaux Chartres Tours Angers Nevers Macon Mâcon
    Lens Arras Calais Amiens Rouen Caen Brest Nantes Rennes Metz Reims Dijon Nice Toulon Nîmes Montpellier
    Perpignan Pau Bayonne Biarritz Limoges Poitiers Niort Troyes Besançon Grenoble Annecy Chambéry Colmar
    Mulhouse Strasbourg Marseille Bordeaux Toulouse Lille Lyon Paris
    Gent Brugge Leuven Mechelen Hasselt Genk Aalst Ninove Lier Lokeren Geel Mol Boom Tienen Ieper Roeselare
    Kortrijk Oostende Knokke Namur Liège Mons Charleroi Wavre Nivelles Arlon Spa Eupen Ath Tournai Ciney Huy
    Amsterdam Rotterdam Utrecht Eindhoven Tilburg Groningen Breda Nijmegen Arnhem Haarlem Leiden Delft Zwolle
    Ede Epe Emmen Venlo Helmond Hengelo Almelo Deventer Apeldoorn Assen Leeuwarden Sneek Hoorn Alkmaar Gouda
    Zeist Baarn Weert Roermond Sittard Heerlen Maastricht Oss Uden Veghel Vught Veenendaal Wageningen Doetinchem
""".split())
PLACE_PREPOSITIONS = frozenset("à a in naar uit te vers nach to près".split())
