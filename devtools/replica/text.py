"""Synthetic French news text, written for this project (templates + vocabularies).

One module per edition (this one: ``fr``; ``text_en``: ``en``), each with the same public names:
the corpus and the markup ask ``devtools.replica.words.words_for(edition)`` and never write edition
text themselves.

Everything is drawn from a `random.Random` the caller seeds, so the same seed gives the same
words. Sentences are assembled from several independent slots so that two different stories
share few word 5-grams (dedupe tests rely on unrelated stories looking unrelated).
"""

from __future__ import annotations

import random
from datetime import date

from ground.core.editions import FR

EDITION = FR
MONTHS = FR.months
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

CITIES = ("SEOUL",) * 12 + ("SEJONG", "BUSAN", "INCHEON", "PANMUNJOM", "GWANGJU")

FAMILY = ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han",
          "Oh", "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong", "Moon", "Baek")
GIVEN = ("Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Soo-ah", "Jae-won", "Eun-ji",
         "Hyun-woo", "Ye-jin", "Sung-min", "Da-eun", "Tae-hoon", "Yu-na", "Dong-hyun", "Mi-rae",
         "Joon-seo", "Ga-young", "Woo-jin", "Na-rae", "Kyung-soo", "Bo-ra", "Sang-hoon")
ROLES = ("le ministre des Affaires étrangères", "la ministre de l'Environnement",
         "le ministre de l'Unification", "le porte-parole du ministère de la Défense",
         "le chef de la diplomatie", "la présidente de la commission parlementaire",
         "le gouverneur de la Banque de Corée", "le maire de la capitale",
         "le directeur de l'agence météorologique", "la vice-ministre de l'Economie",
         "le chef d'état-major interarmées", "le président de l'Assemblée nationale",
         "la porte-parole du bureau présidentiel", "le responsable de la politique industrielle",
         "le commissaire de l'agence de la police nationale", "le président de la fédération",
         "la directrice du musée national", "le sélectionneur de l'équipe nationale",
         "le patron du groupe", "le chercheur principal de l'institut")
SOURCES = ("l'agence officielle KCNA", "le ministère de l'Economie et des Finances",
           "les autorités sanitaires", "un responsable gouvernemental", "des sources diplomatiques",
           "le bureau présidentiel", "l'état-major interarmées", "la Banque de Corée",
           "l'Office national des statistiques", "le service de renseignement",
           "des analystes du secteur", "un communiqué officiel", "la presse locale",
           "des données publiées ce jour", "un rapport parlementaire",
           "le Conseil de recherche & développement")

TOPICS = {
    "Nord-Corée": {
        "subjects": ("la Corée du Nord", "le régime de Pyongyang", "l'armée nord-coréenne",
                     "le Parti du travail", "le dirigeant nord-coréen", "la délégation du Nord",
                     "les autorités nord-coréennes", "la marine du Nord"),
        "objects": ("un nouveau tir de missile balistique en mer de l'Est",
                    "l'envoi de ballons chargés de déchets vers le Sud",
                    "un exercice d'artillerie près de la frontière maritime",
                    "la construction d'un nouveau complexe militaire",
                    "une réunion plénière consacrée à l'agriculture",
                    "le lancement d'un satellite de reconnaissance",
                    "un renforcement des patrouilles le long de la zone démilitarisée",
                    "un accord de coopération avec un partenaire étranger",
                    "la fermeture d'un bureau de liaison intercoréen"),
        "keywords": ("missile", "DMZ", "Pyongyang", "ballons", "satellite", "sanctions",
                     "frontière", "réunification", "plénum"),
    },
    "Politique": {
        "subjects": ("le gouvernement", "le parti au pouvoir", "l'opposition", "l'Assemblée nationale",
                     "le bureau présidentiel", "le Premier ministre", "la coalition d'opposition",
                     "la commission électorale"),
        "objects": ("un projet de loi sur la réforme des retraites",
                    "une motion de censure contre un ministre", "le calendrier des élections locales",
                    "un remaniement partiel du cabinet", "une enquête parlementaire indépendante",
                    "une révision des règles de financement des partis",
                    "un sommet trilatéral avec les pays voisins",
                    "la nomination d'un nouveau chef de cabinet"),
        "keywords": ("scrutin", "cabinet", "réforme", "sondage", "session", "majorité",
                     "amendement", "nomination"),
    },
    "Economie": {
        "subjects": ("les exportations", "la Banque de Corée", "le ministère des Finances",
                     "les constructeurs automobiles", "les fabricants de semi-conducteurs",
                     "le secteur de la construction navale", "les ménages", "les chaînes de distribution"),
        "objects": ("une hausse de {pct}% sur un an", "un excédent commercial de {n} milliards de dollars",
                    "le maintien du taux directeur à {rate}%", "un plan de soutien de {n} milliards de wons",
                    "une baisse des prix à la consommation", "des commandes record de méthaniers",
                    "un recul de l'emploi des jeunes", "une nouvelle usine de batteries à {city_low}"),
        "keywords": ("croissance", "inflation", "won", "taux", "exportations", "puces", "emploi",
                     "investissement"),
    },
    "Société": {
        "subjects": ("la police", "les syndicats de médecins", "la municipalité", "les pompiers",
                     "le ministère de l'Education", "les services météorologiques", "les écoles",
                     "les associations de consommateurs"),
        "objects": ("une alerte à la canicule dans plusieurs provinces",
                    "de fortes pluies attendues dans le centre du pays",
                    "une grève dans les hôpitaux universitaires",
                    "la baisse continue de la natalité",
                    "un incendie dans une usine de la périphérie",
                    "un nouveau système de transport à la demande",
                    "une hausse des fraudes téléphoniques", "la réforme de l'examen d'entrée à l'université"),
        "keywords": ("canicule", "natalité", "hôpitaux", "pluies", "sécurité", "examen", "transport",
                     "fraude"),
    },
    "Culture": {
        "subjects": ("le groupe de K-pop", "le réalisateur", "le musée national", "la romancière",
                     "le festival du film", "la série", "le ministère de la Culture", "l'orchestre"),
        "objects": ("une tournée mondiale de {n} dates", "un prix prestigieux à l'étranger",
                    "une exposition consacrée aux céramiques de l'époque Joseon",
                    "la restauration d'un palais royal", "un record d'audience sur une plateforme",
                    "la sortie d'un nouvel album", "un programme d'échanges avec la France",
                    "l'inscription d'une tradition au patrimoine immatériel"),
        "keywords": ("hallyu", "album", "exposition", "festival", "patrimoine", "cinéma", "roman",
                     "concert"),
    },
    "Sports": {
        "subjects": ("l'équipe nationale de football", "la patineuse", "le club de baseball",
                     "la fédération de taekwondo", "l'archère", "le nageur", "le golfeur",
                     "la sélection olympique"),
        "objects": ("une victoire {score} en match amical", "sa qualification pour la finale",
                    "une médaille d'or aux championnats d'Asie", "un nouveau record national",
                    "la préparation des Jeux olympiques", "le recrutement d'un entraîneur étranger",
                    "un transfert vers un club européen", "la suspension d'un joueur pour dopage"),
        "keywords": ("médaille", "finale", "record", "match", "entraîneur", "saison", "tournoi",
                     "olympique"),
    },
    "Monde": {
        "subjects": ("Washington", "Pékin", "Tokyo", "l'Union européenne", "les Nations unies",
                     "Moscou", "Paris", "les pays du G7"),
        "objects": ("un dialogue stratégique avec Séoul", "des sanctions supplémentaires",
                    "un accord de libre-échange révisé", "une visite d'Etat prévue le mois prochain",
                    "une aide humanitaire d'urgence", "une coopération renforcée dans les chaînes d'approvisionnement",
                    "une déclaration commune sur la sécurité régionale", "l'ouverture d'un consulat"),
        "keywords": ("diplomatie", "sommet", "alliance", "sanctions", "commerce", "visite",
                     "sécurité", "coopération"),
    },
    "Sciences/Technologie": {
        "subjects": ("l'institut de recherche", "le géant de l'électronique", "l'agence spatiale",
                     "une start-up de Pangyo", "les opérateurs télécoms", "l'université nationale",
                     "le laboratoire public", "le ministère des Sciences"),
        "objects": ("un nouveau modèle d'intelligence artificielle en coréen",
                    "le lancement d'une fusée à propergol solide",
                    "une puce mémoire de nouvelle génération",
                    "un réseau 6G expérimental", "un robot d'assistance pour les personnes âgées",
                    "un vaccin expérimental contre la grippe", "une batterie à l'état solide",
                    "un programme de cybersécurité national"),
        "keywords": ("IA", "puce", "fusée", "6G", "robot", "batterie", "données", "brevet"),
    },
}
# Page tags (CONTENT_DATA KEYWORD, div.keyword-zone01): proper names and themes per desk.
SECTION_TAGS = {
    "Nord-Corée": ("Corée du Nord", "Kim Jong-un", "relations intercoréennes", "défense",
                   "essai balistique", "zone démilitarisée"),
    "Politique": ("Assemblée nationale", "gouvernement", "élections", "partis politiques",
                  "président de la République", "diplomatie"),
    "Economie": ("économie", "commerce extérieur", "Bourse de Séoul", "semi-conducteurs",
                 "politique monétaire", "industrie"),
    "Société": ("société", "météo", "santé publique", "éducation", "justice", "démographie"),
    "Culture": ("culture", "K-pop", "cinéma coréen", "patrimoine", "littérature", "Hallyu"),
    "Sports": ("sport", "football", "Jeux olympiques", "baseball", "équipe nationale", "athlétisme"),
    "Monde": ("relations internationales", "Etats-Unis", "Chine", "Japon", "Union européenne",
              "alliance"),
    "Sciences/Technologie": ("technologie", "intelligence artificielle", "espace", "recherche",
                             "télécommunications", "innovation"),
}
ROUTINE_TAGS = {
    "KOSPI": ("Bourse de Séoul", "KOSPI", "marchés"), "KOSDAQ": ("Bourse de Séoul", "KOSDAQ", "marchés"),
    "FOREX": ("won", "change", "marchés"), "Les principaux": ("presse", "revue de presse"),
    "Un jour": ("histoire", "éphéméride"),
}
# Editorial notes before the dateline (truth: the text without its parentheses).
EDITOR_NOTES = (
    "ATTN : ajout de précisions aux paragraphes {a} à {b}",
    "ATTN : nouveau titre, ajout d'éléments au {a}e paragraphe",
    "ATTN : mise à jour du bilan au paragraphe {a}",
    "NDLR : cet article reprend des informations diffusées par des médias étrangers",
    "NDLR : les propos ont été traduits du coréen par la rédaction",
    "ATTN: UPDATES with details in paras {a}-{b}",
)
# Hangul staff names for `meta name=author` (not a byline).
HANGUL_FAMILY = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오")
HANGUL_GIVEN = ("민준", "서연", "지호", "하은", "도윤", "수아", "재원", "은지", "현우", "예진",
                "성민", "다은", "태훈", "유나")
# Continued items: one price list sent in 2-3 parts ("...-1", "...-2").
CONTINUED_TITLE = "Prix de gros des produits agricoles et de la mer"
CONTINUED_GOODS = (
    ("Riz", "20 kg"), ("Chou napa", "10 kg"), ("Radis", "20 kg"), ("Piment rouge séché", "600 g"),
    ("Ail", "1 kg"), ("Oignon", "15 kg"), ("Pomme de terre", "20 kg"), ("Patate douce", "10 kg"),
    ("Pomme", "10 kg"), ("Poire", "15 kg"), ("Mandarine", "5 kg"), ("Fraise", "2 kg"),
    ("Concombre", "10 kg"), ("Courgette", "8 kg"), ("Laitue", "4 kg"), ("Carotte", "20 kg"),
    ("Maquereau", "1 pièce"), ("Calmar", "1 pièce"), ("Lieu jaune", "1 pièce"), ("Anchois séché", "1,5 kg"),
    ("Algue séchée", "100 feuilles"), ("Oeufs", "30 pièces"), ("Boeuf (longe)", "1 kg"),
    ("Porc (poitrine)", "1 kg"), ("Poulet", "1 kg"), ("Soja", "35 kg"), ("Sésame", "30 kg"),
)
# The French pages end a continued part with either marker.
CONTINUATION_MARKERS = (FR.continuation_marker, "(MORE)")
END_MARKER = FR.end_marker

VERBS = ("a annoncé", "a confirmé", "a dévoilé", "a évoqué", "a présenté", "a défendu",
         "a critiqué", "a salué", "a rejeté", "a examiné", "prépare", "envisage", "a proposé",
         "a relancé", "a détaillé", "a mis en avant")
TITLE_VERBS = ("annonce", "dévoile", "confirme", "envisage", "rejette", "prépare", "salue",
               "critique", "lance", "examine", "promet", "défend")
SAY_VERBS = ("a déclaré", "a affirmé", "a souligné", "a indiqué", "a estimé", "a assuré",
             "a prévenu", "a expliqué", "a ajouté", "a insisté")
OPENERS = ("", "", "", "Par ailleurs, ", "Dans le même temps, ", "En outre, ", "De son côté, ",
           "Toutefois, ", "A cette occasion, ", "Selon les premières estimations, ",
           "Lors d'une conférence de presse, ", "Plus tôt dans la journée, ", "Pour rappel, ",
           "Dans un communiqué, ", "En fin de matinée, ", "D'après les observateurs, ")
COMPLEMENTS = ("d'ici la fin de l'année", "dès la semaine prochaine", "au cours du second semestre",
               "malgré les réserves exprimées par plusieurs experts", "afin de rassurer les marchés",
               "en raison de la conjoncture internationale", "après plusieurs mois de négociations",
               "sous la pression de l'opinion publique", "pour la première fois depuis {year}",
               "à l'issue d'une longue réunion à huis clos", "dans un contexte de fortes tensions",
               "selon un calendrier encore provisoire", "avec le soutien des collectivités locales",
               "tout en appelant à la prudence", "sans donner davantage de précisions")
QUOTE_STARTS = ("Nous ferons tout notre possible pour", "Il est indispensable de",
                "Le moment est venu de", "Nous n'avons pas l'intention de",
                "Il serait prématuré de", "Notre priorité reste de", "Personne ne peut",
                "Nous devons continuer à", "Il faut absolument", "Nous allons bientôt")
QUOTE_ENDS = ("répondre aux attentes de la population", "garantir la sécurité de nos citoyens",
              "renforcer la coopération avec nos partenaires", "tirer des conclusions hâtives",
              "préserver la stabilité de la péninsule", "soutenir les petites entreprises",
              "revenir sur cette décision", "accélérer la transition énergétique",
              "protéger les plus vulnérables", "tenir nos engagements",
              "rétablir la confiance", "examiner toutes les options")
DETAILS = ("Le texte prévoit notamment {n} mesures réparties sur {k} ans.",
           "Quelque {n} personnes seraient concernées, selon {source}.",
           "Le montant total atteindrait {n} milliards de wons, soit {pct}% de plus que l'an dernier.",
           "Cette décision intervient {k} jours après une première annonce restée sans suite.",
           "Une réunion de suivi est prévue le {day} {month} à {city_low}.",
           "Le dossier avait déjà été évoqué lors d'une rencontre en {month} dernier.",
           "Les chiffres définitifs seront publiés le mois prochain, a précisé {source}.",
           "Plus de {pct}% des personnes interrogées se disent favorables à cette mesure.",
           "Aucune victime n'a été signalée pour le moment, d'après {source}.",
           "Le calendrier exact reste à définir, a fait savoir {source}.",
           "Il s'agit du {k}e épisode de ce type depuis le début de l'année.",
           "Les discussions reprendront à {city_low} dans les prochains jours.")
TAGS = ("(Interview)", "(Portrait)", "(Reportage)", "(Analyse)")
NEWSPAPERS = ("Chosun Ilbo", "JoongAng Ilbo", "Dong-A Ilbo", "Hankyoreh", "Kyunghyang Shinmun",
              "Hankook Ilbo", "Korea Economic Daily", "Maeil Business Newspaper")
# Weekdays publish all nine, weekends the last two (the market items need an open market).
ROUTINE_NAMES = FR.routine_titles
# KST minute of day each routine item usually lands at.
ROUTINE_TIMES = {
    "Un jour dans l'histoire de la Corée": 6 * 60 + 5,
    "Les principaux titres des quotidiens coréens": 7 * 60 + 30,
    "KOSPI-ouverture": 9 * 60 + 5,
    "KOSDAQ-ouverture": 9 * 60 + 8,
    "FOREX-ouverture": 9 * 60 + 12,
    "FOREX-Cours à 15h30": 15 * 60 + 32,
    "KOSPI-clôture": 15 * 60 + 40,
    "KOSDAQ-clôture": 15 * 60 + 44,
    "FOREX-clôture": 15 * 60 + 50,
}
MARKET_ROUTINES = ROUTINE_NAMES[:7]


class FastRandom(random.Random):
    """random.Random with cheaper choice/randint (one C-level random() call each).

    Same seed -> same sequence, like the parent; values differ from the stdlib methods.
    """

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


def french_day(d: date) -> str:
    return "1er" if d.day == 1 else str(d.day)


def dateline(city: str, d: date) -> str:
    """'SEOUL, 19 juin (Yonhap)' for the publication day."""
    return f"{city}, {EDITION.dateline_date(d)} (Yonhap)"


def fr_number(value: float, decimals: int = 2) -> str:
    """2780.12 -> '2.780,12' (French agency style used on the site)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


_PLURAL_VERB = {"prépare": "préparent", "envisage": "envisagent", "annonce": "annoncent",
                "dévoile": "dévoilent", "confirme": "confirment", "rejette": "rejettent",
                "salue": "saluent", "critique": "critiquent", "lance": "lancent",
                "examine": "examinent", "promet": "promettent", "défend": "défendent"}


def agree(subject: str, verb: str) -> str:
    """Verb agreed with a plural subject ('les syndicats' + 'a annoncé' -> 'ont annoncé')."""
    if not subject.lower().startswith(("les ", "des ")):
        return verb
    if verb.startswith("a "):
        return "ont " + verb[2:]
    return _PLURAL_VERB.get(verb, verb)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"


def _fill(rng: random.Random, template: str, d: date) -> str:
    if "{" not in template:
        return template
    return template.format(
        n=rng.randint(3, 980), k=rng.randint(2, 12), pct=fr_number(rng.uniform(0.3, 48.0), 1),
        rate=fr_number(rng.choice((2.5, 2.75, 3.0, 3.25, 3.5)), 2), year=rng.randint(1988, d.year - 1),
        source=rng.choice(SOURCES), day=rng.randint(1, 28), month=rng.choice(MONTHS),
        city_low=rng.choice(("Séoul", "Sejong", "Busan", "Incheon", "Daegu", "Gwangju", "Ulsan")),
        score=f"{rng.randint(1, 4)}-{rng.randint(0, 2)}",
    )


class Topic:
    """The subject matter of one story: section-specific pools plus a few fixed actors."""

    def __init__(self, rng: random.Random, section: str, d: date):
        pools = TOPICS[section]
        self.section = section
        self.day = d
        self.subject = rng.choice(pools["subjects"])
        self.object = _fill(rng, rng.choice(pools["objects"]), d)
        self.keyword = rng.choice(pools["keywords"])
        self.speaker = person(rng)
        self.role = rng.choice(ROLES)
        self.pools = pools

    def title(self, rng: random.Random) -> str:
        subj = self.subject[0].upper() + self.subject[1:]
        kind = rng.randrange(4)
        if kind == 0:
            return f"{subj} {agree(subj, rng.choice(TITLE_VERBS))} {self.object}"
        if kind == 1:
            return f"{cap(self.keyword)} : {self.subject} {agree(subj, rng.choice(TITLE_VERBS))} {self.object}"
        if kind == 2:
            quote = f"{rng.choice(QUOTE_STARTS)} {rng.choice(QUOTE_ENDS)}"
            return f"{self.speaker} : «{quote}»"
        return f"{subj} {agree(subj, rng.choice(TITLE_VERBS))} {self.object} {rng.choice(COMPLEMENTS)}".format(
            year=rng.randint(1990, self.day.year - 1))

    def sentence(self, rng: random.Random) -> str:
        d = self.day
        kind = rng.randrange(6)
        if kind == 0:
            quote = f"{rng.choice(QUOTE_STARTS)} {rng.choice(QUOTE_ENDS)}"
            return f"«{quote}», {rng.choice(SAY_VERBS)} {self.speaker}, {self.role}."
        if kind == 1:
            return _fill(rng, rng.choice(DETAILS), d)
        subject = rng.choice((self.subject, rng.choice(self.pools["subjects"]), rng.choice(SOURCES)))
        obj = _fill(rng, rng.choice(self.pools["objects"]) if rng.random() < 0.5 else self.object, d)
        comp = _fill(rng, rng.choice(COMPLEMENTS), d)
        opener = rng.choice(OPENERS)
        text = f"{opener}{subject} {agree(subject, rng.choice(VERBS))} {obj} {comp}."
        return text[0].upper() + text[1:]

    def paragraph(self, rng: random.Random, sentences: int | None = None) -> str:
        count = sentences or rng.randint(2, 4)
        return " ".join(self.sentence(rng) for _ in range(count))

    def lead_sentence(self, rng: random.Random) -> str:
        return (f"{cap(self.subject)} {agree(self.subject, rng.choice(VERBS))} {self.object}"
                f" ce {WEEKDAYS[self.day.weekday()]}, selon {rng.choice(SOURCES)}.")

    def caption(self, rng: random.Random) -> tuple[str, str]:
        """(image title, caption) for a photo."""
        title = f"{self.keyword[0].upper() + self.keyword[1:]} à {rng.choice(('Séoul', 'Pyongyang', 'Busan', 'Sejong', 'Incheon'))}"
        caption = (f"{rng.choice(ROLES)[0].upper()}{rng.choice(ROLES)[1:]}, {person(rng)}, "
                   f"s'exprime lors d'un événement consacré à {self.object}, le "
                   f"{french_day(self.day)} {MONTHS[self.day.month - 1]} {self.day.year}.")
        return title, caption


def keywords(rng: random.Random, section: str, topic_keyword: str | None = None,
             section_tags: dict[str, tuple[str, ...]] = SECTION_TAGS) -> list[str]:
    """0-5 page tags, in page order, no duplicates (about 1 in 10 articles has none); another
    edition's module passes its own ``section_tags``."""
    if rng.random() < 0.1:
        return []
    pool = section_tags[section]
    count = rng.randint(1, 5)
    tags = [topic_keyword] if topic_keyword and rng.random() < 0.6 else []
    tags += rng.sample(pool, min(len(pool), count))
    return list(dict.fromkeys(tags))[:count]


def editor_note(rng: random.Random, notes: tuple[str, ...] = EDITOR_NOTES) -> str:
    a = rng.randint(2, 6)
    return rng.choice(notes).format(a=a, b=a + rng.randint(1, 3))


def hangul_name(rng: random.Random) -> str:
    return rng.choice(HANGUL_FAMILY) + rng.choice(HANGUL_GIVEN)


def price_lines(rng: random.Random, goods) -> list[str]:
    """Table lines of a price list: 'Ail (1 kg) : 9.870 wons (+1,4%)'."""
    out = []
    for name, unit in goods:
        price = rng.randint(8, 9000) * 10
        change = rng.uniform(-6, 6)
        sign = "+" if change >= 0 else "-"
        out.append(f"{name} ({unit}) : {fr_number(price, 0)} wons ({sign}{fr_number(abs(change), 1)}%)")
    return out


def routine_paragraphs(rng: random.Random, name: str, d: date, city_line: str) -> list[str]:
    """Templated bodies of the daily routine items: the same shape every day, new numbers."""
    wd = WEEKDAYS[d.weekday()]
    up = rng.random() < 0.5
    move = "en hausse" if up else "en baisse"
    pct = fr_number(rng.uniform(0.05, 2.4), 2)
    if name.startswith(("KOSPI", "KOSDAQ")):
        index, base = ("KOSPI", 2600) if name.startswith("KOSPI") else ("KOSDAQ", 820)
        level = fr_number(base + rng.uniform(-180, 180), 2)
        when = "a ouvert" if name.endswith("ouverture") else "a clôturé"
        return [
            f"{city_line} -- L'indice {index} {when} {move} de {pct}% ce {wd}, à {level} points.",
            f"Les investisseurs étrangers ont été {'acheteurs' if up else 'vendeurs'} nets, tandis que "
            f"les particuliers ont {'vendu' if up else 'acheté'} pour environ {rng.randint(50, 900)} milliards de wons.",
            f"Les valeurs technologiques ont {'progressé' if up else 'reculé'}, et le secteur de la "
            f"construction navale a {'gagné' if rng.random() < 0.5 else 'perdu'} {fr_number(rng.uniform(0.1, 3), 2)}%.",
        ]
    if name.startswith("FOREX"):
        rate = fr_number(1300 + rng.uniform(-60, 90), 1)
        when = {"FOREX-ouverture": "a ouvert", "FOREX-clôture": "a terminé la séance",
                "FOREX-Cours à 15h30": "s'établissait à 15h30"}[name]
        return [
            f"{city_line} -- Le won {when} à {rate} wons pour un dollar ce {wd}, "
            f"{move} de {fr_number(rng.uniform(0.1, 9), 1)} wons par rapport à la veille.",
            "Les cambistes ont attribué ce mouvement à l'évolution des taux américains et aux "
            "flux des investisseurs étrangers sur le marché des actions.",
        ]
    if name == "Les principaux titres des quotidiens coréens":
        out = [f"{city_line} -- Voici les principaux titres des quotidiens coréens parus ce {wd} "
               f"{french_day(d)} {MONTHS[d.month - 1]}."]
        for paper in rng.sample(NEWSPAPERS, 5):
            section = rng.choice(tuple(TOPICS))
            topic = Topic(rng, section, d)
            out.append(f"-- {paper} : {topic.title(rng)}")
        return out
    # "Un jour dans l'histoire de la Corée"
    out = [f"{city_line} -- Voici quelques événements survenus un {french_day(d)} "
           f"{MONTHS[d.month - 1]} dans l'histoire de la Corée."]
    years = sorted(rng.sample(range(1890, d.year - 1), 5))
    for year in years:
        section = rng.choice(("Politique", "Culture", "Sports", "Economie", "Sciences/Technologie"))
        topic = Topic(rng, section, d)
        out.append(f"{year} : {cap(topic.subject)} {agree(topic.subject, rng.choice(VERBS))} {topic.object}.")
    return out


# --- corpus and page words (the same names in every edition's module) ---------------------

# Section weights, in EDITION.sections order: the French service leans on North Korea.
SECTION_WEIGHTS = (3, 2, 2, 2, 1, 1, 2, 1)
# Desk of the routine items; the market reports and the price lists are economy.
ECONOMY_SECTION = "Economie"
ROUTINE_SECTIONS = {"Les principaux titres des quotidiens coréens": "Société",
                    "Un jour dans l'histoire de la Corée": "Culture"}
DESK_EMAIL = "economie-fr@yna.co.kr"
ROUTINE_EDIT_EXTRA = "Les données ont été corrigées après publication."
CORRECTION_LINE = "(Rectificatif) Une précision a été apportée au dernier paragraphe."
CONTINUED_TAGS = ("prix", "agriculture", "consommation")
# CONTENT_DATA SECTION paths ("path;Name") of the desks.
SECTION_PATHS = {"Nord-Corée": "nk", "Politique": "politics", "Economie": "economy",
                 "Société": "society", "Culture": "culture", "Sports": "sports",
                 "Monde": "international", "Sciences/Technologie": "science"}


def continued_first(dl: str, d: date, part: int) -> str:
    """First paragraph of part ``part`` (1..) of the day's price list."""
    wd = WEEKDAYS[d.weekday()]
    # A heading, then figures only: like the site's tables, almost no common words.
    if part == 1:
        return f"{dl} -- Prix de gros, {wd} (wons ; variation sur 7 jours) :"
    return f"{dl} -- Prix de gros, {wd} ({part}e partie) :"


# Hostile pages (replica/hostile.py): their desk, titles and filler.
HOSTILE_SECTION = "Société"
HOSTILE_TITLES = {"huge": "Un très long dossier", "bad_utf8": "Octets invalides dans le texte",
                  "script_title": "Alerte sur la péninsule", "many_paragraphs": "Dix mille paragraphes",
                  "date_mismatch": "Une date qui ne correspond pas"}
# The script_title page's h1: the title with an element pushed in at "{mark}".
HOSTILE_SCRIPT_TITLE = "Alerte {mark}sur la péninsule"
MANY_PARAGRAPH = "Paragraphe {i} : {keyword}."
BAD_UTF8_TAIL = "fin."

# Page furniture (never truth): banners, navigation, list and error pages.
CHROME = {
    "cookie": ("Ce site emploie des cookies et des outils de mesure d'audience afin d'améliorer "
               "votre navigation. En poursuivant, vous acceptez leur usage."),
    "more_info": "En savoir plus", "close": "Fermer", "search": "Recherche",
    "home": "Accueil", "top": "Haut de page",
    "copyright": "(c) Agence de presse Yonhap. Réplique locale pour tests.",
    "profile_comment": "pages de profil du journaliste (désactivées sur le service français)",
    "ad": "Publicité", "print": "Imprimer", "tags": "Mots-clés", "related": "Articles liés", "more_results": "Plus de résultats",
    "reporter": "Rédaction", "latest": "Dernières nouvelles", "prev": "Précédent", "next": "Suivant",
    "rss_description": "Les dernières dépêches du service français de l'agence Yonhap",
    "logo": "Agence de presse Yonhap", "home_title": "Agence de presse Yonhap (réplique locale)",
    "search_text": "Page réservée aux visiteurs.", "method_not_allowed": "Méthode non autorisée",
}


# Site chrome around the article (markup.chrome_header / chrome_footer / link boxes): the menus'
# sub-desks per desk (the all-menu layer lists them all, the main menu the first three), the
# extra menus, the boxes' titles and the company lines of the footer. Our own labels.
MENUS = {
    "Nord-Corée": ("Pouvoir à Pyongyang", "Relations intercoréennes", "Armement", "Economie du Nord",
                   "Vie quotidienne", "Analyses"),
    "Politique": ("Présidence", "Assemblée nationale", "Diplomatie", "Défense", "Partis", "Elections"),
    "Economie": ("Marchés", "Industrie", "Finances", "Commerce extérieur", "Emploi", "Immobilier"),
    "Société": ("Justice", "Santé", "Education", "Environnement", "Faits divers", "Météo"),
    "Culture": ("Musique", "Cinéma", "Livres", "Patrimoine", "Gastronomie", "Voyages"),
    "Sports": ("Football", "Baseball", "Golf", "Jeux olympiques", "Sports électroniques", "Autres sports"),
    "Monde": ("Asie", "Amériques", "Europe", "Afrique", "Moyen-Orient", "Océanie"),
    "Sciences/Technologie": ("Numérique", "Espace", "Biotechnologies", "Energie", "Automobile", "Télécoms"),
}
EXTRA_MENUS = (("Photos", "photo"), ("Vidéos", "video"), ("Dossiers", "dossier"), ("Entretiens", "interview"),
               ("Fil d'actualité", "news"), ("Editoriaux", "opinion"), ("Chronologies", "timeline"),
               ("Graphiques", "graphic"))
BOXES = {"all_menu": "Toutes les rubriques", "most_read": "Les plus lus", "most_shared": "Les plus partagés",
         "most_viewed": "Les plus consultés", "photos": "En images", "rightnow": "A l'instant",
         "languages": "Autres langues", "follow": "Nous suivre", "open_menu": "Ouvrir le menu",
         "close_menu": "Fermer le menu", "search_placeholder": "Rechercher un article"}
COMPANY_LINES = ("Agence de presse Yonhap - service français (réplique locale pour tests)",
                 "Siège : 25, rue de l'Exemple, Séoul - téléphone : 00-0000-0000",
                 "Directeur de la publication : la rédaction de la réplique",
                 "Tous les textes de cette réplique sont produits par le projet.")
FOOTER_LINKS = (("A propos", "/about"), ("Conditions d'utilisation", "/terms"),
                ("Protection des données", "/privacy"), ("Nous contacter", "/contact"),
                ("Plan du site", "/sitemap"), ("Publicité", "/advertise"))
TOOLS = {"share": "Partager", "copy": "Copier le lien", "font": "Taille du texte", "larger": "Agrandir",
         "smaller": "Réduire", "print": "Imprimer", "email": "Envoyer par courriel", "hot": "Mots-clés du moment",
         "newsletter": "Recevoir la lettre d'information", "subscribe": "S'abonner", "family": "Sites du groupe",
         "go": "Aller"}
FAMILY_SITES = ("Service coréen", "Service anglais", "Service chinois", "Service japonais", "Service arabe",
                "Service espagnol", "Photos", "Vidéos", "Archives", "Agenda", "Données économiques",
                "Nord-Corée en chiffres", "Corée en images", "Fondation de l'agence", "Recrutement",
                "Abonnements professionnels", "Boutique photo", "Lettres d'information")
