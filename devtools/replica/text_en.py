"""Synthetic English news text, written for this project (templates + vocabularies).

The ``en`` counterpart of ``text`` (``fr``), with the same public names: the corpus and the
markup ask ``devtools.replica.words.words_for(edition)`` and never write edition text themselves.

Everything is drawn from a `random.Random` the caller seeds, so the same seed gives the same
words. Sentences are assembled from several independent slots so that two different stories
share few word 5-grams (dedupe tests rely on unrelated stories looking unrelated).
"""

from __future__ import annotations

import random
from datetime import date

from devtools.replica import text as _fr

# Names and papers are the same in both editions; FastRandom is shared, not duplicated.
from devtools.replica.text import FAMILY as FAMILY
from devtools.replica.text import GIVEN as GIVEN
from devtools.replica.text import HANGUL_FAMILY as HANGUL_FAMILY
from devtools.replica.text import HANGUL_GIVEN as HANGUL_GIVEN
from devtools.replica.text import NEWSPAPERS as NEWSPAPERS
from devtools.replica.text import FastRandom as FastRandom
from devtools.replica.text import cap as cap
from devtools.replica.text import hangul_name as hangul_name
from devtools.replica.text import person as person
from ground.core.editions import EN

EDITION = EN
MONTHS = EN.months
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

CITIES = ("SEOUL",) * 12 + ("SEJONG", "BUSAN", "INCHEON", "PANMUNJOM", "GWANGJU")

ROLES = ("the foreign minister", "the environment minister", "the unification minister",
         "a defense ministry spokesperson", "the country's top diplomat",
         "the chair of the parliamentary committee", "the Bank of Korea governor",
         "the mayor of the capital", "the head of the weather agency", "the vice finance minister",
         "the chairman of the Joint Chiefs of Staff", "the National Assembly speaker",
         "a presidential spokesperson", "the official in charge of industrial policy",
         "the national police chief", "the federation president",
         "the director of the national museum", "the national team's head coach",
         "the group's chief executive", "the institute's lead researcher")
SOURCES = ("the official Korean Central News Agency", "the Ministry of Economy and Finance",
           "health authorities", "a government official", "diplomatic sources",
           "the presidential office", "the Joint Chiefs of Staff", "the Bank of Korea",
           "Statistics Korea", "the spy agency", "industry analysts", "an official statement",
           "local media", "figures released on the day", "a parliamentary report",
           "the Research & Development Council")

TOPICS = {
    "North Korea": {
        "subjects": ("North Korea", "the Pyongyang regime", "the North Korean military",
                     "the Workers' Party", "the North Korean leader", "the North's delegation",
                     "North Korean authorities", "the North's navy"),
        "objects": ("a fresh ballistic missile launch into the East Sea",
                    "another batch of trash-laden balloons flown toward the South",
                    "artillery drills close to the western maritime border",
                    "work on a sprawling military complex near the coast",
                    "a party plenary meeting devoted to farm output",
                    "plans to put a reconnaissance satellite into orbit",
                    "stepped-up patrols along the Demilitarized Zone",
                    "a cooperation pact with an unnamed foreign partner",
                    "the shutdown of an inter-Korean liaison office"),
        "keywords": ("missile", "DMZ", "Pyongyang", "balloons", "satellite", "sanctions",
                     "border", "unification", "plenum"),
    },
    "Politics": {
        "subjects": ("the government", "the ruling party", "the main opposition party",
                     "the National Assembly", "the presidential office", "the prime minister",
                     "opposition lawmakers", "the election commission"),
        "objects": ("a bill to overhaul the national pension scheme",
                    "a no-confidence motion against a Cabinet minister",
                    "the timetable for the coming local elections",
                    "a partial reshuffle of the Cabinet", "an independent parliamentary probe",
                    "stricter rules on how parties raise money",
                    "a three-way summit with neighboring countries",
                    "the appointment of a new presidential chief of staff"),
        "keywords": ("vote", "Cabinet", "reform", "poll", "session", "majority", "amendment",
                     "nomination"),
    },
    "Economy Business": {
        "subjects": ("exports", "the Bank of Korea", "the finance ministry", "carmakers",
                     "chipmakers", "the shipbuilding industry", "households", "retail chains"),
        "objects": ("a {pct} percent on-year gain", "a trade surplus of US${n} billion",
                    "a rate freeze at {rate} percent for another quarter",
                    "a {n} billion-won relief package", "a slowdown in consumer price growth",
                    "record orders for liquefied natural gas carriers",
                    "a fall in hiring among people in their 20s",
                    "a new battery plant in {city_low}"),
        "keywords": ("growth", "inflation", "won", "interest rates", "exports", "chips", "jobs",
                     "investment"),
    },
    "Life,Health": {
        "subjects": ("police", "doctors' unions", "the city government", "firefighters",
                     "the education ministry", "the weather agency", "schools",
                     "consumer groups"),
        "objects": ("a heat wave warning for several provinces",
                    "downpours forecast for the central regions",
                    "a walkout at university hospitals", "the steady decline in births",
                    "a blaze at a factory on the city's outskirts",
                    "a new on-demand bus service for rural towns",
                    "a surge in voice phishing scams",
                    "changes to the college entrance exam"),
        "keywords": ("heat wave", "birth rate", "hospitals", "rain", "safety", "exam",
                     "transit", "fraud"),
    },
    "Culture": {
        "subjects": ("the K-pop group", "the film director", "the national museum",
                     "the novelist", "the film festival", "the drama series",
                     "the culture ministry", "the orchestra"),
        "objects": ("a world tour of {n} shows", "a prestigious award overseas",
                    "an exhibition of Joseon-era ceramics", "the restoration of a royal palace",
                    "record viewing figures on a streaming platform",
                    "the release of a new studio album", "an exchange program with France",
                    "the listing of a folk tradition as intangible heritage"),
        "keywords": ("Hallyu", "album", "exhibition", "festival", "heritage", "cinema", "novel",
                     "concert"),
    },
    "Sports": {
        "subjects": ("the national football team", "the figure skater", "the baseball club",
                     "the taekwondo federation", "the archer", "the swimmer", "the golfer",
                     "the Olympic squad"),
        "objects": ("a {score} win in a friendly", "a spot in the final",
                    "a gold medal at the Asian championships", "a new national record",
                    "preparations for the Olympic Games", "the hiring of a foreign head coach",
                    "a move to a European club", "a doping ban handed to one player"),
        "keywords": ("medal", "final", "record", "match", "coach", "season", "tournament",
                     "Olympics"),
    },
    "World": {
        "subjects": ("Washington", "Beijing", "Tokyo", "the European Union",
                     "the United Nations", "Moscow", "Paris", "the G7 countries"),
        "objects": ("a strategic dialogue with Seoul", "a new round of sanctions",
                    "a revised free trade deal", "a state visit planned for next month",
                    "emergency humanitarian aid", "closer cooperation on supply chains",
                    "a joint statement on regional security", "the opening of a consulate"),
        "keywords": ("diplomacy", "summit", "alliance", "sanctions", "trade", "visit",
                     "security", "cooperation"),
    },
    "Science": {
        "subjects": ("the research institute", "the electronics giant", "the space agency",
                     "a Pangyo-based startup", "mobile carriers", "the national university",
                     "the state-run lab", "the science ministry"),
        "objects": ("a new artificial intelligence model trained on Korean",
                    "the launch of a solid-fuel rocket", "a next-generation memory chip",
                    "an experimental 6G network", "a care robot for older adults",
                    "an experimental flu vaccine", "a solid-state battery",
                    "a nationwide cybersecurity program"),
        "keywords": ("AI", "chip", "rocket", "6G", "robot", "battery", "data", "patent"),
    },
}
# Page tags (CONTENT_DATA KEYWORD, div.keyword-zone01): proper names and themes per desk.
SECTION_TAGS = {
    "North Korea": ("North Korea", "Kim Jong-un", "inter-Korean relations", "defense",
                    "missile test", "Demilitarized Zone"),
    "Politics": ("National Assembly", "government", "elections", "political parties",
                 "president", "diplomacy"),
    "Economy Business": ("economy", "foreign trade", "Seoul stock market", "semiconductors",
                         "monetary policy", "industry"),
    "Life,Health": ("society", "weather", "public health", "education", "courts",
                    "demographics"),
    "Culture": ("culture", "K-pop", "Korean cinema", "heritage", "literature", "Hallyu"),
    "Sports": ("sports", "football", "Olympics", "baseball", "national team", "athletics"),
    "World": ("foreign affairs", "United States", "China", "Japan", "European Union",
              "alliance"),
    "Science": ("technology", "artificial intelligence", "space", "research",
                "telecommunications", "innovation"),
}
ROUTINE_TAGS = {
    "KOSPI": ("Seoul stock market", "KOSPI", "markets"),
    "KOSDAQ": ("Seoul stock market", "KOSDAQ", "markets"), "FOREX": ("won", "currency", "markets"),
    "Headlines": ("press", "newspaper review"), "Today": ("history", "this day in history")}
# Editorial notes before the dateline (truth: the text without its parentheses).
EDITOR_NOTES = (
    "ATTN: ADDS details in paras {a}-{b}",
    "ATTN: UPDATES with official's remarks in para {a}",
    "ATTN: RECASTS headline, lead; ADDS background in paras {a}-{b}",
    "ATTN: CHANGES headline; ADDS more info throughout",
    "ATTN: UPDATES with latest figures in paras {a}-{b}",
    "ATTN: RECASTS para {a}; ADDS ministry comment in last para",
)
# Continued items: one price list sent in 2-3 parts ("...-1", "...-2").
CONTINUED_TITLE = "Wholesale prices of farm and fishery products"
CONTINUED_GOODS = (
    ("Rice", "20 kg"), ("Napa cabbage", "10 kg"), ("Radish", "20 kg"),
    ("Dried red pepper", "600 g"), ("Garlic", "1 kg"), ("Onion", "15 kg"), ("Potato", "20 kg"),
    ("Sweet potato", "10 kg"), ("Apple", "10 kg"), ("Pear", "15 kg"), ("Tangerine", "5 kg"),
    ("Strawberry", "2 kg"), ("Cucumber", "10 kg"), ("Zucchini", "8 kg"), ("Lettuce", "4 kg"),
    ("Carrot", "20 kg"), ("Mackerel", "1 fish"), ("Squid", "1 piece"), ("Pollack", "1 fish"),
    ("Dried anchovy", "1.5 kg"), ("Dried laver", "100 sheets"), ("Eggs", "30 eggs"),
    ("Beef sirloin", "1 kg"), ("Pork belly", "1 kg"), ("Chicken", "1 kg"),
    ("Soybeans", "35 kg"), ("Sesame", "30 kg"),
)
# English items end a continued part with "(MORE)" only.
CONTINUATION_MARKERS = (EN.continuation_marker, EN.continuation_marker)
END_MARKER = EN.end_marker

VERBS = ("announced", "confirmed", "unveiled", "brought up", "presented", "defended",
         "criticized", "welcomed", "rejected", "reviewed", "is preparing", "is considering",
         "proposed", "revived", "spelled out", "highlighted")
TITLE_VERBS = ("announces", "unveils", "confirms", "considers", "rejects", "prepares",
               "welcomes", "criticizes", "launches", "reviews", "pledges", "defends")
SAY_VERBS = ("said", "stated", "stressed", "noted", "argued", "assured", "warned", "explained",
             "added", "insisted")
OPENERS = ("", "", "", "Meanwhile, ", "At the same time, ", "In addition, ", "Separately, ",
           "However, ", "During the event, ", "According to early estimates, ",
           "At a press briefing, ", "Earlier in the day, ", "Notably, ", "In a statement, ",
           "Late in the morning, ", "According to observers, ")
COMPLEMENTS = ("by the end of the year", "as early as next week", "in the second half",
               "despite reservations voiced by several experts", "in a bid to calm markets",
               "citing the global economic climate", "after months of negotiations",
               "amid mounting public pressure", "for the first time since {year}",
               "following a lengthy closed-door meeting", "amid heightened tensions",
               "under a timetable that remains tentative", "with backing from local governments",
               "while urging caution", "without elaborating further")
QUOTE_STARTS = ("We will do everything we can to", "It is essential to", "The time has come to",
                "We have no plans to", "It would be premature to", "Our priority remains to",
                "No one can", "We must keep working to", "We absolutely need to",
                "We will soon move to")
QUOTE_ENDS = ("meet what the public expects of us", "keep our citizens safe",
              "deepen cooperation with our partners", "jump to conclusions",
              "keep the peninsula stable", "help small businesses get through this",
              "reverse this decision", "speed up the energy transition",
              "protect the most vulnerable", "honor our commitments", "rebuild trust",
              "look at every option on the table")
DETAILS = ("The plan includes {n} measures to be rolled out over {k} years.",
           "Some {n} people are expected to be affected, according to {source}.",
           "The total bill would come to {n} billion won, up {pct} percent from a year earlier.",
           "The decision comes {k} days after an earlier announcement that led nowhere.",
           "A follow-up meeting is scheduled for {month} {day} in {city_low}.",
           "The matter had already come up during talks held in {month}.",
           "Final figures will be released next month, {source} said.",
           "More than {pct} percent of those polled said they back the measure.",
           "No casualties have been reported so far, according to {source}.",
           "The exact schedule has yet to be set, {source} said.",
           "There have been {k} similar cases since the start of the year.",
           "Talks are expected to resume in {city_low} in the coming days.")
TAGS = ("(Interview)", "(Profile)", "(Feature)", "(News Focus)")
# Weekdays publish all nine, weekends the last two (the market items need an open market).
ROUTINE_NAMES = EN.routine_titles
# KST minute of day each routine item usually lands at.
ROUTINE_TIMES = {
    "Today in Korean history": 6 * 60 + 5, "Headlines from Korean dailies": 7 * 60 + 30,
    "KOSPI-open": 9 * 60 + 5, "KOSDAQ-open": 9 * 60 + 8, "FOREX-open": 9 * 60 + 12,
    "FOREX-rate at 3:30 p.m.": 15 * 60 + 32, "KOSPI-close": 15 * 60 + 40,
    "KOSDAQ-close": 15 * 60 + 44, "FOREX-close": 15 * 60 + 50,
}
MARKET_ROUTINES = ROUTINE_NAMES[:7]


def english_day(d: date) -> str:
    """Day of the month as the English pages print it: '1', '19'."""
    return str(d.day)


french_day = english_day  # the name text.py uses; the same role in this edition


def dateline(city: str, d: date) -> str:
    """'SEOUL, June 19 (Yonhap)' for the publication day."""
    return f"{city}, {EDITION.dateline_date(d)} (Yonhap)"


def fr_number(value: float, decimals: int = 2) -> str:
    """2780.12 -> '2,780.12' (English style; the name is shared with text.py)."""
    return f"{value:,.{decimals}f}"


_PLURAL_VERB = {"announces": "announce", "unveils": "unveil", "confirms": "confirm",
                "considers": "consider", "rejects": "reject", "prepares": "prepare",
                "welcomes": "welcome", "criticizes": "criticize", "launches": "launch",
                "reviews": "review", "pledges": "pledge", "defends": "defend"}
# Subjects (lowercase) that take a plural verb.
PLURAL_SUBJECTS = frozenset((
    "north korean authorities", "opposition lawmakers", "exports", "carmakers", "chipmakers",
    "households", "retail chains", "police", "doctors' unions", "firefighters", "schools",
    "consumer groups", "the g7 countries", "mobile carriers", "health authorities",
    "diplomatic sources", "industry analysts", "local media", "figures released on the day",
))


def agree(subject: str, verb: str) -> str:
    """Verb agreed with a plural subject ('exporters' + 'announces' -> 'announce').

    Past-tense verbs ('announced') need no agreement; 'is'/'has' forms become 'are'/'have'.
    """
    if subject.lower() not in PLURAL_SUBJECTS:
        return verb
    if verb.startswith("is "):
        return "are " + verb[3:]
    if verb.startswith("has "):
        return "have " + verb[4:]
    return _PLURAL_VERB.get(verb, verb)




def _fill(rng: random.Random, template: str, d: date) -> str:
    if "{" not in template:
        return template
    return template.format(
        n=rng.randint(3, 980), k=rng.randint(2, 12), pct=fr_number(rng.uniform(0.3, 48.0), 1),
        rate=fr_number(rng.choice((2.5, 2.75, 3.0, 3.25, 3.5)), 2),
        year=rng.randint(1988, d.year - 1),
        source=rng.choice(SOURCES), day=rng.randint(1, 28), month=rng.choice(MONTHS),
        city_low=rng.choice(("Seoul", "Sejong", "Busan", "Incheon", "Daegu", "Gwangju", "Ulsan")),
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
        subj = cap(self.subject)
        kind = rng.randrange(4)
        if kind == 0:
            return f"{subj} {agree(subj, rng.choice(TITLE_VERBS))} {self.object}"
        if kind == 1:
            verb = agree(subj, rng.choice(TITLE_VERBS))
            return f"{cap(self.keyword)}: {self.subject} {verb} {self.object}"
        if kind == 2:
            quote = f"{rng.choice(QUOTE_STARTS)} {rng.choice(QUOTE_ENDS)}"
            return f"{self.speaker}: '{quote}'"
        verb = agree(subj, rng.choice(TITLE_VERBS))
        return f"{subj} {verb} {self.object} {rng.choice(COMPLEMENTS)}".format(
            year=rng.randint(1990, self.day.year - 1))

    def sentence(self, rng: random.Random) -> str:
        d = self.day
        kind = rng.randrange(6)
        if kind == 0:
            quote = f"{rng.choice(QUOTE_STARTS)} {rng.choice(QUOTE_ENDS)}"
            return f'"{quote}," {rng.choice(SAY_VERBS)} {self.speaker}, {self.role}.'
        if kind == 1:
            return _fill(rng, rng.choice(DETAILS), d)
        subject = rng.choice((self.subject, rng.choice(self.pools["subjects"]),
                              rng.choice(SOURCES)))
        obj = _fill(rng, rng.choice(self.pools["objects"]) if rng.random() < 0.5 else self.object,
                    d)
        comp = _fill(rng, rng.choice(COMPLEMENTS), d)
        opener = rng.choice(OPENERS)
        text = f"{opener}{subject} {agree(subject, rng.choice(VERBS))} {obj} {comp}."
        return text[0].upper() + text[1:]

    def paragraph(self, rng: random.Random, sentences: int | None = None) -> str:
        count = sentences or rng.randint(2, 4)
        return " ".join(self.sentence(rng) for _ in range(count))

    def lead_sentence(self, rng: random.Random) -> str:
        return (f"{cap(self.subject)} {agree(self.subject, rng.choice(VERBS))} {self.object}"
                f" on {WEEKDAYS[self.day.weekday()]}, according to {rng.choice(SOURCES)}.")

    def caption(self, rng: random.Random) -> tuple[str, str]:
        """(image title, caption) for a photo."""
        place = rng.choice(("Seoul", "Pyongyang", "Busan", "Sejong", "Incheon"))
        title = f"{cap(self.keyword)} in {place}"
        d = self.day
        caption = (f"{cap(rng.choice(ROLES))}, {person(rng)}, speaks at an event on "
                   f"{self.object} on {MONTHS[d.month - 1]} {english_day(d)}, {d.year}.")
        return title, caption


def keywords(rng: random.Random, section: str, topic_keyword: str | None = None) -> list[str]:
    """0-5 page tags (the French module's rule, this edition's tags)."""
    return _fr.keywords(rng, section, topic_keyword, SECTION_TAGS)


def editor_note(rng: random.Random) -> str:
    return _fr.editor_note(rng, EDITOR_NOTES)



def price_lines(rng: random.Random, goods) -> list[str]:
    """Table lines of a price list: 'Garlic (1 kg): 9,870 won (+1.4%)'."""
    out = []
    for name, unit in goods:
        price = rng.randint(8, 9000) * 10
        change = rng.uniform(-6, 6)
        sign = "+" if change >= 0 else "-"
        out.append(f"{name} ({unit}): {fr_number(price, 0)} won "
                   f"({sign}{fr_number(abs(change), 1)}%)")
    return out


_PAST_VERBS = tuple(v for v in VERBS if not v.startswith(("is ", "has ")))


def routine_paragraphs(rng: random.Random, name: str, d: date, city_line: str) -> list[str]:
    """Templated bodies of the daily routine items: the same shape every day, new numbers."""
    wd = WEEKDAYS[d.weekday()]
    up = rng.random() < 0.5
    pct = fr_number(rng.uniform(0.05, 2.4), 2)
    if name.startswith(("KOSPI", "KOSDAQ")):
        if name.startswith("KOSPI"):
            index, base = "The benchmark KOSPI", 2600
        else:
            index, base = "The tech-heavy KOSDAQ index", 820
        level = fr_number(base + rng.uniform(-180, 180), 2)
        when = "opened" if name.endswith("open") else "closed"
        move = "higher" if up else "lower"
        ships = "gained" if rng.random() < 0.5 else "shed"
        return [
            f"{city_line} -- {index} {when} {pct} percent {move} on {wd} at {level} points.",
            f"Foreign investors were net {'buyers' if up else 'sellers'}, while retail investors "
            f"{'sold' if up else 'bought'} a net {rng.randint(50, 900)} billion won of shares.",
            f"Technology shares {'advanced' if up else 'retreated'}, and the shipbuilding sector "
            f"{ships} {fr_number(rng.uniform(0.1, 3), 2)} percent.",
        ]
    if name.startswith("FOREX"):
        rate = fr_number(1300 + rng.uniform(-60, 90), 1)
        when = {"FOREX-open": "opened at", "FOREX-close": "finished the session at",
                "FOREX-rate at 3:30 p.m.": "was quoted at 3:30 p.m. at"}[name]
        move = "up" if up else "down"
        return [
            f"{city_line} -- The Korean won {when} {rate} won against the U.S. dollar on {wd}, "
            f"{move} {fr_number(rng.uniform(0.1, 9), 1)} won from the previous session.",
            "Currency dealers linked the move to swings in U.S. bond yields and to how foreign "
            "investors traded local stocks.",
        ]
    month_day = f"{MONTHS[d.month - 1]} {english_day(d)}"
    if name == "Headlines from Korean dailies":
        out = [f"{city_line} -- The following are the top headlines in major Korean dailies "
               f"on {wd}, {month_day}."]
        for paper in rng.sample(NEWSPAPERS, 5):
            section = rng.choice(tuple(TOPICS))
            topic = Topic(rng, section, d)
            out.append(f"-- {paper}: {topic.title(rng)}")
        return out
    # "Today in Korean history"
    out = [f"{city_line} -- The following are some notable events that took place on "
           f"{month_day} in Korean history."]
    years = sorted(rng.sample(range(1890, d.year - 1), 5))
    for year in years:
        section = rng.choice(("Politics", "Culture", "Sports", "Economy Business", "Science"))
        topic = Topic(rng, section, d)
        out.append(f"{year}: {cap(topic.subject)} {rng.choice(_PAST_VERBS)} {topic.object}.")
    return out


# --- corpus and page words (the same names in every edition's module) ---------------------

# Section weights, in EDITION.sections order (the same as the French service's).
SECTION_WEIGHTS = (3, 2, 2, 2, 1, 1, 2, 1)
# Desk of the routine items; the market reports and the price lists are economy.
ECONOMY_SECTION = "Economy Business"
ROUTINE_SECTIONS = {"Headlines from Korean dailies": "Life,Health",
                    "Today in Korean history": "Culture"}
DESK_EMAIL = "economy-en@yna.co.kr"
ROUTINE_EDIT_EXTRA = "Figures were revised after the item was first sent."
CORRECTION_LINE = "(Correction) A detail in the last paragraph was corrected."
CONTINUED_TAGS = ("prices", "farming", "consumers")
# CONTENT_DATA SECTION paths ("path;Name") of the desks.
SECTION_PATHS = {"North Korea": "nk", "Politics": "politics", "Economy Business": "economy",
                 "Life,Health": "society", "Culture": "culture", "Sports": "sports",
                 "World": "international", "Science": "science"}


def continued_first(dl: str, d: date, part: int) -> str:
    """First paragraph of part ``part`` (1..) of the day's price list."""
    wd = WEEKDAYS[d.weekday()]
    # A heading, then figures only: like the site's tables, almost no common words.
    if part == 1:
        return f"{dl} -- Wholesale prices, {wd} (won; 7-day change):"
    return f"{dl} -- Wholesale prices, {wd} (part {part}):"


# Hostile pages (replica/hostile.py): their desk, titles and filler.
HOSTILE_SECTION = "Life,Health"
HOSTILE_TITLES = {"huge": "An extremely long report", "bad_utf8": "Broken bytes in the text",
                  "script_title": "Alert over the peninsula",
                  "many_paragraphs": "Ten thousand paragraphs",
                  "date_mismatch": "A date that does not add up"}
# The script_title page's h1: the title with an element pushed in at "{mark}".
HOSTILE_SCRIPT_TITLE = "Alert {mark}over the peninsula"
MANY_PARAGRAPH = "Paragraph {i}: {keyword}."
BAD_UTF8_TAIL = "end."

# Page furniture (never truth): banners, navigation, list and error pages.
CHROME = {
    "cookie": ("This site uses cookies and audience measurement tools to improve your "
               "browsing. By continuing, you agree to their use."),
    "more_info": "Learn more", "close": "Close", "search": "Search", "home": "Home",
    "top": "Back to top",
    "copyright": "(c) Yonhap News Agency. Local replica for tests.",
    "profile_comment": "reporter profile pages (turned off in this replica)",
    "ad": "Advertisement", "print": "Print", "tags": "Keywords", "related": "Related articles",
    "more_results": "More results",
    "reporter": "Newsroom", "latest": "Latest news", "prev": "Previous", "next": "Next",
    "rss_description": "The latest stories from the English service of Yonhap News Agency",
    "logo": "Yonhap News Agency", "home_title": "Yonhap News Agency (local replica)",
    "search_text": "This page is for visitors only.", "method_not_allowed": "Method not allowed",
}

# Site chrome (markup.chrome_header / chrome_footer / link boxes), as in text.py.
MENUS = {
    "North Korea": ("Pyongyang's leadership", "Inter-Korean ties", "Weapons", "Northern economy",
                    "Daily life", "Analysis"),
    "Politics": ("Presidency", "National Assembly", "Diplomacy", "Defense", "Parties", "Elections"),
    "Economy Business": ("Markets", "Industry", "Finance", "Trade", "Jobs", "Housing"),
    "Life,Health": ("Courts", "Health", "Schools", "Environment", "Accidents", "Weather"),
    "Culture": ("Music", "Film", "Books", "Heritage", "Food", "Travel"),
    "Sports": ("Football", "Baseball", "Golf", "Olympics", "Esports", "Other sports"),
    "World": ("Asia", "Americas", "Europe", "Africa", "Middle East", "Oceania"),
    "Science": ("Digital", "Space", "Biotech", "Energy", "Cars", "Telecoms"),
}
EXTRA_MENUS = (("Photos", "photo"), ("Videos", "video"), ("Features", "feature"), ("Interviews", "interview"),
               ("All News", "news"), ("Editorials", "opinion"), ("Timelines", "timeline"),
               ("Graphics", "graphic"))
BOXES = {"all_menu": "All sections", "most_read": "Most read", "most_shared": "Most shared",
         "most_viewed": "Most viewed", "photos": "In pictures", "rightnow": "Right now",
         "languages": "Other languages", "follow": "Follow us", "open_menu": "Open the menu",
         "close_menu": "Close the menu", "search_placeholder": "Search the news"}
COMPANY_LINES = ("Yonhap News Agency - English service (local replica for tests)",
                 "Head office: 25 Example Street, Seoul - phone: 00-0000-0000",
                 "Publisher: the replica's newsroom",
                 "Every text of this replica is written by the project.")
FOOTER_LINKS = (("About us", "/about"), ("Terms of use", "/terms"), ("Privacy", "/privacy"),
                ("Contact us", "/contact"), ("Site map", "/sitemap"), ("Advertise", "/advertise"))
TOOLS = {"share": "Share", "copy": "Copy the link", "font": "Text size", "larger": "Larger", "smaller": "Smaller",
         "print": "Print", "email": "Send by e-mail", "hot": "Trending keywords",
         "newsletter": "Get the newsletter", "subscribe": "Subscribe", "family": "Group sites", "go": "Go"}
FAMILY_SITES = ("Korean service", "Chinese service", "Japanese service", "Arabic service", "Spanish service",
                "French service", "Photos", "Videos", "Archives", "Calendar", "Economic data",
                "North Korea in figures", "Korea in pictures", "Agency foundation", "Careers",
                "Professional subscriptions", "Photo shop", "Newsletters")
