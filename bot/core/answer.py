"""Write the answer: the asked-for fact first, taken from the cited text, then the sources."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Collection, Protocol

import prompts
from index.fold import fold
from index.vocabulary import Vocabulary
from ingest.dates import dates_in, find_dates

from .lexicon import ANSWER_LABELS, OPPOSITE_QUALIFIERS
from .facts import FACT_INTENTS, asked_facts, money_unit, states_fact
from .table_rows import header_of, with_header
from .confidence import Confidence, decide, names_missing, numbers_missing, signals
from .query import Query
from .scope import Scope
from .search import Hit
from .tasks import deadline_label

# The lead is one of the top three passages, preferably scored within LEAD_SCORE_GAP of the first; a
# passage is cited beside it when it scores at least CITE_SCORE_SHARE of the first; a rival
# document's different fact is shown when its passage comes within RIVAL_COVERAGE_GAP of the
# lead's coverage, holds at least RIVAL_COVERAGE_SHARE of it (a weakly held question otherwise
# lets any number of any document in) and states that kind of fact.
LEAD_SCORE_GAP = 0.15
LEAD_POOL = 5  # the citations an answer shows
LEAD_POOL_COVERAGE = 0.5  # of the best coverage among the first three, for a lead found further down
CITE_SCORE_SHARE = 0.5
RIVAL_POOL = 10
MAX_CITATIONS = 5
TITLE_WIDTH = 110
RUN_ON_CHARS = 300
# A sentence that states what was asked (a date for "khi nào") beats one that only echoes the question.
STATES_ASKED_BONUS = 0.25
# A value set out under the label of the asked kind ("1. Thời gian" / "Lúc 14 giờ, ngày 28/4") is
# the document's own answer to that kind of question, though it shares no word with it.
LABELLED_BONUS = 0.5
RIVAL_COVERAGE_GAP = 0.35
# Read from bench/rivals.py on three question sets (seed, dev, one outside the repo): the rivals that
# answer the same question held 0.59 of the lead's coverage or more, those about something else 0.52
# or less.
RIVAL_COVERAGE_SHARE = 0.55
# A quote may run on this far to reach the asked fact stated just after the best-matching clause.
WINDOW_SENTENCES = 3
WINDOW_CHARS = 450
CONTRADICTION_PENALTY = 0.5

_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
# Lines, clauses after ";", sentences, and list items joined inline ("… - Tổ chức …": a table cell holding a
# whole list); "cân - đo" is one word, so an inline item must start with a capital.
_LOWER = _UPPER.lower().replace("đ", "") + "đ"
# A line break before a lower-case word only wraps a sentence (Word files converted from PDF keep
# the page's line breaks). Sentence ends too, but not after numbering ("1.2. Chất lượng") or a capital abbreviation ("TP.").
_SENTENCE_BREAK = re.compile(
    rf"\n(?![{_LOWER}])|;\s*|\s[-+•]\s+(?=[{_UPPER}])|(?<=[{_LOWER}\)%][\.!?])\s+(?=[{_UPPER}\d])")


# "4. Tham luận …", "a) Đối tượng …": an item's heading, whose content is the next line.
_NUMBERING = r"^(?:[IVX]+|\d{1,2}(?:\.\d{1,2})*|[a-zđ])\s*[\.\)]"  # "IV.", "1.2.", "a)"
_NUMBERED_HEADING = re.compile(_NUMBERING + r"\s+\S.{0,80}$")
_ITEM = re.compile(r"^[a-zđ]\s*\)")  # "a) Nhà giáo …": an item of a list its lead-in clause opened
_OPENS_LIST = re.compile(r"^(.*?:)\s+[a-zđ]\s*\)")  # a lead-in and its first item on one line
LIST_ITEMS = 12  # how far back a list item's lead-in is looked for
_ISSUED_CUES = ("ban hành", "ký", "thông qua", "ra đời")  # a question about when the directive was made


@dataclass
class Citation:
    """A cited passage: where it is (document, section, offsets) and the sentence that answers."""
    doc_id: int
    file: str
    title: str  # the document's title kept to one line (its file name when the header names nothing)
    issuer: str
    number: str
    date: str  # ISO, the document's date; "" when unknown
    section: str  # heading path of the innermost section holding the sentence; "" before the first heading
    quote: str  # the cited passage, exactly the document's normalised text[start:end]
    start: int
    end: int
    score: float
    sentence: str = ""  # the sentence of the passage that answers, for display
    school_year: str = ""
    superseded_by: str = ""  # the title of the directive that replaced this one
    old_year: bool = False  # of a school year before the current one


@dataclass
class Lead:
    """One document's answer to the question: the asked fact, the sentence stating it, who said it."""
    citation: int  # its source, an index into Answer.citations
    doc_id: int
    issuer: str  # the issuing body; "" when the header does not name it
    title: str
    unit: str
    school_year: str
    sentence: str
    kind: str  # what was asked: "when", "how_many", "where", or "" for any other question
    facts: list[str] = field(default_factory=list)  # the dates, amounts or places of that kind it states
    month: str = ""  # "when" without a stated date: the months ("2023-12[,2024-01]") of its schedule
    due: str = ""  # "when": the deadline's ISO date from the task table, which adds the year
    due_label: str = ""  # "when": the task table's deadline in words, when it is not one day
    superseded_by: str = ""
    old_year: bool = False

    @property
    def statement(self) -> tuple:
        """What the lead says, as the answer shows it: documents saying the same need no list."""
        fact = ", ".join(self.facts)
        shows_sentence = not (self.kind == "when" and self.facts)
        return (fact[:1].upper() + fact[1:], self.month, self.due, self.due_label,
                self.sentence if shows_sentence else "")


@dataclass
class Reading:
    """How the question was read: what was embedded and searched."""
    text: str  # diacritics restored, shorthand spelled out, politeness set aside
    shown: bool = False  # it changed what was typed: the answer shows it, so a wrong reading is visible
    alternative: str = ""  # another likely reading, when the restoration was unsure


@dataclass
class AgendaTask:
    text: str
    deadline: str = ""  # bot.core.tasks.deadline_label


@dataclass
class AgendaGroup:
    """One issuer's tasks of the month."""
    doc_id: int
    issuer: str
    title: str
    school_year: str
    in_unit: bool  # of the asker's unit (listed first)
    tasks: list[AgendaTask] = field(default_factory=list)
    superseded_by: str = ""
    old_year: bool = False


@dataclass
class Agenda:
    """A month's tasks ("tháng 12 có việc gì?")."""
    month: str  # ISO "2023-12"
    unit: str  # the asker's unit, "" when the tasks are everyone's
    count: int
    groups: list[AgendaGroup] = field(default_factory=list)


@dataclass
class Answer:
    """An answer as data; each channel renders it with its format's templates (prompts/)."""
    question: str
    abstained: bool  # nothing answers: only for confidence "none", or a month without tasks
    confidence: str = "high"  # "high": an answer; "low": the closest passages, to be checked; "none"
    searched: Reading = field(default_factory=lambda: Reading(""))
    leads: list[Lead] = field(default_factory=list)  # one per document answering; more when they differ
    citations: list[Citation] = field(default_factory=list)
    agenda: Agenda | None = None
    documents: int = 0  # documents loaded, which a "not found" names
    signals: dict = field(default_factory=dict)  # what the confidence was computed from
    latency_ms: float = 0.0
    trace: dict | None = None  # filled by Congvan.ask(explain=True)
    # The passages search ranked, before any answer logic (file, quote): what recall@k measures.
    retrieved: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The answer in plain text (prompts/text/answer.j2), as the CLI prints it."""
        return prompts.render("text", "answer", answer=self)

    def to_json(self) -> dict:
        """The answer's data (`ask --json`); `retrieved` is added by the eval only."""
        data = asdict(self)
        data.pop("retrieved")
        if data["trace"] is None:
            data.pop("trace")
        return data


class Library(Protocol):
    """What the answer reads of the loaded documents beyond the passages (bot.core.api.Congvan)."""

    def document_text(self, document_id: int) -> str: ...

    def known_names(self) -> Collection[str]: ...

    def section_path(self, document_id: int, offset: int) -> str: ...

    def body(self, document_id: int) -> str: ...


def compose(query: Query, hits: list[Hit], vocabulary: Vocabulary, document_count: int,
            scope: Scope | None = None, tasks: dict[int, list[dict]] | None = None,
            library: Library | None = None) -> Answer:
    """The answer from ranked passages. `scope` says which documents to lead with (the asker's
    unit, the current school year, the newest version); `tasks` are the extracted tasks of the
    passages, by chunk id, whose normalised deadlines complete a "khi nào" answer;
    `library` gives a document's text (to check the names a question asks about) and the section
    around a quoted sentence (when a chunk holds several subsections).

    Search's ranking is trusted: the lead is chosen only among passages scored close to the first
    (the asker's unit and the current school year decide between them), and how sure the answer
    is comes from bot/core/confidence.py, not from one lexical cut-off."""
    searched = _reading(query)
    if not hits:
        return _no_answer(query, searched, document_count, None)
    top = hits[0].score
    # A question asking for a date, an amount or a place may be answered by the passage that
    # states one a little further down, when the first three only echo the question's words;
    # but only by one that holds the question about as well (not any dated line of a schedule).
    close = hits[:3]
    if query.intent in FACT_INTENTS:
        held = LEAD_POOL_COVERAGE * max(h.coverage for h in close)
        close += [h for h in hits[3:LEAD_POOL] if h.coverage >= held]

    def sentence_of(h: Hit) -> str:
        return best_sentence(h.row["text"], query, vocabulary, h.row.get("path") or "", _own_date(h.row, query))

    sentences = {h.chunk_id: sentence_of(h) for h in close}

    def answers(h: Hit) -> bool:
        # A schedule's month answers "khi nào" too ("Trong tháng 1/2025: Tổng kết học kỳ I").
        sentence = sentences[h.chunk_id]
        return (states_fact(query.intent, sentence) and not _only_dated(sentence, _own_date(h.row, query))) \
            or bool(query.intent == "when" and h.row.get("month"))

    def lead_key(h: Hit) -> tuple:
        # The asker's unit's (or the named document's) answer first, then a passage that states
        # what was asked (a date for "khi nào", not a heading that only repeats the asked words),
        # then the unit's, then one scored close to the first, then coverage with the current
        # school year's edge, then search's score.
        unit_first, *rest = scope.lead_key(h.row, h.coverage, h.score) if scope else (False, h.coverage, h.score)
        states = answers(h)
        return (unit_first and states, states, unit_first, h.score >= top - LEAD_SCORE_GAP, *rest)

    best = max(close, key=lead_key)
    ranked = [best] + [h for h in hits if h is not best]
    readings = [words for words in (query.words, query.synonym_words) if words]
    unknown = min((vocabulary.unknown_share(words) for words in readings), default=0.0)

    def judge(lead: Hit, sentence: str) -> Confidence:
        """How sure an answer led by this passage's sentence would be."""
        document_text = library.document_text(lead.row["document_id"]) if library else ""
        return decide(signals([lead] + [h for h in hits if h is not lead], states_fact(query.intent, sentence),
                              query.intent in FACT_INTENTS, unknown,
                              min((vocabulary.rarest_missing(words, lead.chunk_id) for words in readings), default=0.0),
                              numbers_missing(query.original, _numbered_as(lead.row), document_text),
                              names_missing(query.original, document_text, library.known_names() if library else ()),
                              bool(scope and lead.row["document_id"] in scope.named_documents)))

    sure = judge(best, sentences[best.chunk_id])
    if sure.level == "none":
        return _no_answer(query, searched, document_count, sure)
    # Other documents' answers are looked for deeper than the citations go: a unit's own deadline
    # may sit in a long month section that ranks sixth.
    evidence = ranked[:RIVAL_POOL]
    citations = [_citation(h, sentences.get(h.chunk_id) or sentence_of(h), scope, library) for h in evidence]

    def answers_alone(h: Hit, sentence: str) -> bool:
        # Another document's different fact answers too only where that document is about what
        # the question names (not another year's, age's or province's) and the fact is not the
        # date the document itself was signed.
        document_text = library.document_text(h.row["document_id"]) if library else ""
        return not (numbers_missing(query.original, _numbered_as(h.row), document_text)
                    or names_missing(query.original, document_text, library.known_names() if library else ())
                    or _only_dated(sentence, _own_date(h.row, query)))

    leads = _leads(query, evidence, citations, scope, tasks or {}, answers_alone)
    # Sources in the order the answer names them, then the rest that score close enough to the
    # first, by relevance.
    named = [lead.citation for lead in leads]
    rest = [c for i, (h, c) in enumerate(zip(evidence, citations))
            if i not in named and h.score >= CITE_SCORE_SHARE * top]
    citations = ([citations[i] for i in named] + rest)[:max(MAX_CITATIONS, len(named))]
    for number, lead in enumerate(leads):
        lead.citation = number
    return Answer(question=query.original, abstained=False, confidence=sure.level, searched=searched,
                  leads=leads, citations=citations, documents=document_count, signals=_signals(sure))


def _own_date(row: dict, query: Query) -> str:
    """The date the passage's directive was signed or adopted, when a "khi nào" question is not
    asking for it: it says when the directive was made ("Ninh Lai, ngày 15 tháng 9 năm 2025",
    "Nghị quyết này … thông qua ngày 27 tháng 11 năm 2025"), not when anything in it is due."""
    if query.intent != "when" or any(f" {cue} " in f" {query.text.lower()} " for cue in _ISSUED_CUES):
        return ""
    return row.get("date") or ""


@lru_cache(maxsize=8192)
def _only_dated(sentence: str, own_date: str) -> bool:
    """Every date the sentence names is `own_date` (ISO), as a bare day ("…, ngày 15 tháng 9 năm
    2025", "thông qua ngày …"): "có hiệu lực kể từ ngày …" on that same day still says when.
    Cached as `states_fact` is: it reads the same date grammar, and the same sentences come back
    question after question."""
    if not own_date:
        return False
    year, month, day = (int(part) for part in own_date.split("-"))
    phrases = find_dates(sentence)
    return bool(phrases) and all(
        phrase.kind in ("date", "on") and all((d, m) == (day, month) and y in (year, None) for d, m, y in dates_in(phrase.text))
        for phrase in phrases)


def _numbered_as(row: dict) -> str:
    """The passage and how its document names itself: a question's "năm học 2025-2026" may be
    written only in the document's title, not in the passage that answers it. (Not its school
    year read from the body: "2023-2024" does not make a passage about "năm 2024".)"""
    return " ".join((row["text"], row["path"], row["title"], row["number"]))


def _no_answer(query: Query, searched: Reading, document_count: int, sure: Confidence | None) -> Answer:
    return Answer(question=query.original, abstained=True, confidence="none", searched=searched,
                  documents=document_count, signals=_signals(sure))


def _signals(sure: Confidence | None) -> dict:
    return {"probability": sure.probability, **sure.signals} if sure else {}


def _reading(query: Query) -> Reading:
    """The reading of the question that was searched; shown when it differs from what was typed,
    so a wrong restoration or expansion is visible, with the other likely reading when unsure."""
    changed = bool(query.expansions or (query.restoration and any(query.restoration.restored)))
    others = [r for r in query.readings[1:] if r != query.text]
    uncertain = bool(query.restoration and query.restoration.alternatives)
    return Reading(query.text, shown=changed, alternative=others[-1] if changed and others and uncertain else "")


def _leads(query: Query, evidence: list[Hit], citations: list[Citation], scope: Scope | None,
           tasks: dict[int, list[dict]], answers_alone: Callable[[Hit, str], bool] = lambda h, s: True) -> list[Lead]:
    """The fact from the best passage, and from each other document that answers nearly as well
    and would answer on its own (`answers_alone(hit, sentence)`)."""
    top = evidence[0].coverage
    # A question that names its directive or place ("ở Vĩnh Long") is not answered differently
    # by another province's resolution.
    named = scope.named_documents if scope and evidence[0].row["document_id"] in scope.named_documents else None
    seen, out = set(), []
    for i, (hit, citation) in enumerate(zip(evidence, citations)):
        doc = hit.row["document_id"]
        if doc in seen or hit.coverage < max(top - RIVAL_COVERAGE_GAP, RIVAL_COVERAGE_SHARE * top) \
                or (named and doc not in named):
            continue
        if out and not (states_fact(query.intent, citation.sentence) and answers_alone(hit, citation.sentence)):
            continue
        seen.add(doc)
        lead = lead_of(query.intent, citation.sentence, hit.row, i, scope)
        if query.intent == "when":
            _add_due(lead, tasks.get(hit.chunk_id, []))
        out.append((scope.rank(hit.row) if scope else (), lead))
    out.sort(key=lambda item: item[0], reverse=True)  # the asker's unit, then current sources
    leads = [lead for _, lead in out]
    if len({lead.statement for lead in leads}) == 1:
        leads = leads[:1]  # documents that agree need no "they differ" list
    return leads


def lead_of(intent: str, sentence: str, row: dict, citation: int = 0, scope: Scope | None = None) -> Lead:
    """What a passage's sentence answers: the asked-for pieces of it (a date, a number, a place);
    for a "khi nào" whose sentence states no date, the month of the schedule it is listed under."""
    facts = asked_facts(intent, sentence)
    return Lead(citation=citation, doc_id=row["document_id"], issuer=row["issuer"], title=_display_title(row),
                unit=row.get("unit") or "", school_year=row["school_year"], sentence=sentence,
                kind=intent if intent in FACT_INTENTS else "", facts=facts,
                month=(row.get("month") or "") if intent == "when" and not facts else "",
                superseded_by=superseded_by(row, scope), old_year=old_year(row, scope))


def _add_due(lead: Lead, tasks: list[dict]) -> None:
    """"Trước ngày 15/12" → "Trước ngày 15/12 (15/12/2023)": the year from the task table, which
    read it from the school year, when the sentence is a task with a deadline."""
    folded = fold(lead.sentence)
    stated = ", ".join(lead.facts) if lead.facts else (lead.month or lead.sentence)
    for task in tasks:
        if not task["deadline_end"] or fold(task["deadline_text"]) not in folded:
            continue
        if re.search(r"\d{4}", stated) or task["deadline_end"].startswith("--"):
            return  # the year is already there, or nobody knows it
        if task["deadline_kind"] in ("before", "on"):
            lead.due = task["deadline_end"]
        else:
            lead.due_label = deadline_label(task)
        return


def superseded_by(row: dict, scope: Scope | None) -> str:
    """The title of the directive that replaced this row's document, in the scope's view."""
    newer = scope.superseded_by.get(row.get("document_id")) if scope else None
    return newer["title"] if newer else ""


def old_year(row: dict, scope: Scope | None) -> bool:
    """Of a school year before the current one (and not already marked as replaced)."""
    return bool(scope and not superseded_by(row, scope) and scope.is_older(row))


def _citation(hit: Hit, sentence: str, scope: Scope | None = None, library: Library | None = None) -> Citation:
    citation = citation_of(hit.row, sentence, hit.score, scope)
    if library:
        # A chunk may hold several short subsections: name the one the quoted sentence is in.
        at = hit.row["text"].find(sentence[:20])
        citation.section = library.section_path(hit.row["document_id"], hit.row["start"] + max(at, 0)) or citation.section
        citation.sentence += _run_on(hit.row, sentence, library)
    return citation


def _run_on(row: dict, sentence: str, library: Library) -> str:
    """The rest of a sentence that a long paragraph's chunk cut off ("… gửi báo cáo quyết" /
    "toán … trước ngày 20 tháng 7"), read from the document, so no quote stops mid-word."""
    text = row["text"].rstrip()
    if not text.endswith(sentence[-20:]) or text.endswith((".", ";", ":", "!", "?", "»", ")")):
        return ""
    after = library.body(row["document_id"])[row["end"]:row["end"] + RUN_ON_CHARS]
    end = re.search(r"[\.;!?](?=\s|$)|\n", after)
    return (" " + after[:end.end() if end else len(after)].strip()) if after.strip() else ""


def citation_of(row: dict, sentence: str, score: float, scope: Scope | None = None) -> Citation:
    """A citation of a passage (a Store.chunk_rows row), shown by `sentence`."""
    return Citation(
        doc_id=row["document_id"], file=row["file_name"], title=_display_title(row), issuer=row["issuer"],
        number=row["number"], date=row["date"], section=row["path"], quote=row["text"],
        start=row["start"], end=row["end"], score=round(score, 4), sentence=sentence,
        school_year=row["school_year"], superseded_by=superseded_by(row, scope), old_year=old_year(row, scope))


def _display_title(row: dict) -> str:
    """The document's title kept to one line; a document whose header says nothing of itself
    (a decree missing its first page) is named by its file, which is how the admin knows it."""
    title = row["title"]
    if "—" not in title and " số " not in title:  # the bare kind: "Văn bản", "Kế hoạch"
        return f"{title} ({row['file_name']})"
    return title if len(title) <= TITLE_WIDTH else title[:TITLE_WIDTH - 1].rsplit(" ", 1)[0] + "…"


def best_sentence(text: str, query: Query, vocabulary: Vocabulary, path: str = "", own_date: str = "") -> str:
    """The line or clause of a passage that holds most of the question and, when the question
    asks for a date, number or place, states one; widened to the next clause or two when the best
    one only introduces the fact ("… gồm:", a numbered heading) or when the fact it asks for is
    stated just after it ("… gửi báo cáo quyết toán" / "trước ngày 20 tháng 7"). A table row is
    quoted with its columns' names (`path`: the passage's, which may hold the header). A sentence
    dated only with `own_date` (the directive's own: `_own_date`) states no answer."""
    unit = money_unit(text) if query.intent in ("how_much", "how_many") else ""

    def shown(line: str) -> str:
        # A row of a table of amounts (cells, a number among them) is quoted with the unit the
        # table declares above it.
        row = unit and "\t" in line.strip("\t") and re.search(r"\t\s*\d", line)
        return (labelled.get(line) or _display(line)) + (f" (đơn vị tính: {unit.lower()})" if row else "")

    labelled: dict[str, str] = {}  # a table row → the row with its columns' names
    sentences = [s for s in map(shown, _pieces(text, header_of(text, path), labelled)) if any(c.isalnum() for c in s)]
    if not sentences:
        return text
    readings = [vocabulary.weigh(words) for words in (query.words, query.synonym_words) if words]
    opposite = _opposite_phrases(query.text)

    def score(i: int) -> float:
        sentence = sentences[i]
        states = states_fact(query.intent, sentence) and not _only_dated(sentence, own_date)
        return (max((vocabulary.text_coverage(weights, sentence) for weights in readings), default=0.0)
                + STATES_ASKED_BONUS * states
                + LABELLED_BONUS * (states and _labelled(query.intent, sentences, i))
                - CONTRADICTION_PENALTY * _contradicts(opposite, sentence)
                - 0.0005 * len(sentence))

    best = max(range(len(sentences)), key=score)
    start = best - 1 if best and _is_label(query.intent, sentences[best - 1]) else best
    quote = " ".join(sentences[start:_window_end(sentences, best, query.intent)])
    lead_in = _lead_in(sentences[:start], sentences[best], path, query.intent)
    return f"{lead_in} … {quote}" if lead_in else quote


def _lead_in(before: list[str], item: str, path: str, intent: str) -> str:
    """The clause that a list item completes, when it states the asked fact and the item does
    not: "6. Mức 45% được áp dụng đối với:" over "a) Nhà giáo … mầm non" answers "bao nhiêu
    phần trăm" for the item's teachers. Looked for above the item in its passage, else in its
    path (an item that is a passage of its own is filed under its lead-in)."""
    # An amount asked may be a share ("Mức 45%" of the salary) as well as a sum.
    kinds = ("how_much", "how_many") if intent == "how_much" else (intent,)

    def states(text: str) -> bool:
        return any(states_fact(kind, text) for kind in kinds)

    if intent not in FACT_INTENTS or states(item) or not _ITEM.match(item):
        return ""
    for sentence in reversed(before[-LIST_ITEMS:]):
        # "Mức 60% … đối với: a) …" when the first item goes on the lead-in's line.
        opens = _OPENS_LIST.match(sentence)
        opening = sentence if sentence.endswith(":") else opens.group(1) if opens else ""
        if opening:
            return opening if states(opening) else ""
        if not _ITEM.match(sentence):
            return ""
    parents = [part.strip() for part in path.split(" > ")[:-1] if part.strip().endswith(":")]
    return parents[-1] if parents and states(parents[-1]) else ""


def _pieces(text: str, header: list[str], labelled: dict[str, str]) -> list[str]:
    """The passage's sentences and clauses; a table row under `header` stays whole (its cells
    may hold clauses of their own), its labelled form put in `labelled`."""
    if not header:
        return _SENTENCE_BREAK.split(text)
    out: list[str] = []
    rest: list[str] = []
    for line in text.split("\n"):
        if row := with_header(line, header):
            out += _SENTENCE_BREAK.split("\n".join(rest)) if rest else []
            rest = []
            labelled[line] = row
            out.append(line)
        else:
            rest.append(line)
    return out + (_SENTENCE_BREAK.split("\n".join(rest)) if rest else [])


def _labelled(intent: str, sentences: list[str], i: int) -> bool:
    """The sentence is the value of a label of the asked kind: "Thời gian: …" itself, or the line
    after a heading "1. Thời gian"."""
    if ":" in sentences[i][:40]:  # its own field name decides: "Thời gian: …" under "THỜI GIAN VÀ ĐỊA ĐIỂM"
        return _is_label(intent, sentences[i].split(":", 1)[0])
    return i > 0 and _is_label(intent, sentences[i - 1])


def _is_label(intent: str, text: str) -> bool:
    """A short heading or field name of the asked kind ("1. Thời gian", "Địa điểm", "V. THỜI GIAN
    VÀ ĐỊA ĐIỂM")."""
    words = fold(re.sub(_NUMBERING + r"\s*", "", text.strip())).rstrip(":").split()
    if not words or len(words) > 6:
        return False
    padded = " " + " ".join(words) + " "
    return any(f" {label} " in padded for label in ANSWER_LABELS.get(intent, ()))


def _window_end(sentences: list[str], best: int, intent: str) -> int:
    """Where the quote shown for sentence `best` ends (exclusive)."""
    end = best + 1
    if sentences[best].endswith(":") or _NUMBERED_HEADING.match(sentences[best]):
        end = min(len(sentences), end + 1)
    if intent in FACT_INTENTS and not states_fact(intent, " ".join(sentences[best:end])):
        for j in range(end, min(len(sentences), best + 1 + WINDOW_SENTENCES)):
            if states_fact(intent, sentences[j]):
                if sum(map(len, sentences[best:j + 1])) <= WINDOW_CHARS:
                    end = j + 1
                break
    return end


def _opposite_phrases(question: str) -> list[str]:
    """The question's qualified numbers qualified the opposite way, folded: " duoi 24" for "trên
    24". Read once for a passage, not again for each of its sentences."""
    asked = f" {fold(question)} "
    return [f" {theirs} {number}" for a, b in OPPOSITE_QUALIFIERS for mine, theirs in ((a, b), (b, a))
            for number in re.findall(rf" {mine} (\d+)", asked)]


def _contradicts(opposite: list[str], sentence: str) -> bool:
    """The sentence qualifies a number of the question the opposite way ("dưới 24" for "trên 24")."""
    if not opposite:
        return False
    said = f" {fold(sentence)} "
    return any(phrase in said for phrase in opposite)


def _display(sentence: str) -> str:
    # Table rows arrive as "\t3\tTask text": the month and item-number cells are layout.
    cells = [c for c in sentence.split("\t") if c.strip()]
    while len(cells) > 1 and re.fullmatch(r"\s*[\d/\.\s]+\s*", cells[0]):
        cells.pop(0)
    text = re.sub(r"\s*\n\s*", " ", " ".join(cells).strip())  # a wrapped line reads as one
    return re.sub(r"^[\-\+\*•]\s*", "", text).rstrip(";").strip()
