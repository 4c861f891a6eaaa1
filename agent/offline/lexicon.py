"""Word lists and patterns the offline planner reads text with: numbers, environments, metrics, durations.

Everything here is data; ``mentions`` applies it. Patterns run on lower-cased text.
"""

from __future__ import annotations

import re

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "a couple of": 2, "a couple": 2, "couple of": 2,
    "a dozen": 12, "dozen": 12, "a single": 1, "single": 1,
}
NUMBER_WORD = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))

# Canonical environment -> words people use for it. An alias only counts when the catalog has one of its
# group's names; a few risky words count only after "in"/"to"/"on" ("is it live?" is not an environment).
ENV_GROUPS: dict[str, tuple[str, ...]] = {
    "prod": ("prod", "production", "prd", "live", "prod env"),
    "staging": ("staging", "stage", "stg", "staging env"),
    "dev": ("dev", "development", "develop", "devel"),
    "qa": ("qa", "test", "testing"),
}
GUARDED_ENV_WORDS = frozenset({"live", "stage", "test", "testing", "develop"})

# (pattern, metric) in priority order; "latency" is resolved to p95 unless a percentile is named.
METRIC_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\b(request_rate|error_rate|latency_p50|latency_p95|latency_p99)\b", "="),
    (r"\bp99\b|\b99(?:th)?[- ]?(?:percentile|pct)(?: latency)?\b|\btail latency\b", "latency_p99"),
    (r"\bp50\b|\bmedian(?: latency| response times?)?\b|\b50(?:th)?[- ]?(?:percentile|pct)\b", "latency_p50"),
    (r"\bp95\b|\b95(?:th)?[- ]?(?:percentile|pct)\b", "latency_p95"),
    (r"\blatenc(?:y|ies)\b|\bresponse[- ]?times?\b|\bslow(?:ness|er)?\b|\bhow fast\b|\blag(?:gy)?\b",
     "latency"),
    (r"\berror[- ]?rates?\b|\berrors?\b|\berroring\b|\berrs\b|\b5xx(?:s| errors)?\b|\b500s\b"
     r"|\bfailure[- ]?rates?\b|\bfailures\b|\bfailing requests\b|\bexceptions\b", "error_rate"),
    (r"\brequest[- ]?rates?\b|\brequests?(?: per second| per sec)?\b|\btraffic\b|\brps\b|\bqps\b"
     r"|\bthroughput\b|\bload\b|\bhits\b|\breq/s\b", "request_rate"),
    (r"\bcpu(?: usage| utili[sz]ation| load)?\b|\bprocessor\b", "cpu"),
    (r"\bmemory(?: usage)?\b|\bram\b|\bmem\b|\bheap\b|\brss\b", "memory"),
)
GENERIC_LATENCY = "latency_p95"

DURATION_UNITS = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d", "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
}
_UNIT = r"(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)"
_N = rf"(\d+|an?|{NUMBER_WORD})"
# (pattern, fixed value or None when groups 1/2 give count/unit)
WINDOW_PATTERNS: tuple[tuple[str, str | None], ...] = (
    (rf"\b(?:(?:in|over|for|during|from)\s+)?(?:the\s+)?(?:last|past|previous|prior)\s+{_N}\s*{_UNIT}\b", None),
    (rf"\bsince\s+{_N}\s*{_UNIT}(?:\s+ago)?\b", None),
    (rf"\b{_N}\s*{_UNIT}\s+(?:ago|back|window)\b", None),
    (rf"\b(?:over|for|within|during|in)\s+(?:the\s+)?{_N}\s*{_UNIT}\b", None),
    (rf"\b(?:next|coming|following|upcoming)\s+{_N}\s*{_UNIT}\b", None),
    (r"\b(\d+)(m|h|d|w)\b", None),
    (r"\b(?:next|coming)\s+hour\b", "1h"),
    (r"\b(?:next|coming)\s+day\b|\btomorrow\b", "1d"),
    (r"\b(?:next|coming)\s+week\b", "7d"),
    (r"\b(?:(?:in|over|for|during)\s+)?(?:the\s+)?(?:last|past|previous)\s+half\s+(?:an\s+)?hour\b", "30m"),
    (r"\bhalf\s+an\s+hour\b", "30m"),
    (r"\b(?:(?:in|over|for|during)\s+)?(?:the\s+)?(?:last|past|previous)\s+(?:minute)\b", "1m"),
    (r"\b(?:(?:in|over|for|during)\s+)?(?:the\s+)?(?:last|past|previous)\s+hour\b", "1h"),
    (r"\b(?:(?:in|over|for|during)\s+)?(?:the\s+)?(?:last|past|previous)\s+day\b", "1d"),
    (r"\b(?:(?:in|over|for|during)\s+)?(?:the\s+)?(?:last|past|previous|this)\s+week\b", "7d"),
    (r"\b(?:(?:in|over|for|during)\s+)?(?:the\s+)?(?:last|past|previous|this)\s+month\b", "30d"),
    (r"\b(?:since\s+)?(?:today|yesterday|midnight|this morning)\b", "1d"),
)

VERSION_PATTERNS: tuple[str, ...] = (
    r"\bv\d+(?:\.\d+)*(?:-[0-9a-z][0-9a-z.]*)?\b",
    r"(?<![\w.])\d+\.\d+(?:\.\d+)*(?:-[0-9a-z][0-9a-z.]*)?\b",
    r"(?<=\bversion )\d+\b|(?<=\brelease )\d+\b",
)
VERSION_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"\b(?:the\s+)?(?:latest|newest|most recent|last)\s+(?:version|release|build)\b|\bthe latest\b"
     r"|\blatest\b|\bnewest\b", "latest"),
    (r"\b(?:the\s+)?(?:previous|prior|last good|last known good|older)\s+(?:version|release|build)\b"
     r"|\bthe one before\b|\bprevious one\b", "previous"),
)

STRATEGY_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\bblue[\s/_-]*green\b|\bb/g\b|\bbluegreen\b|\bred[\s/_-]*black\b", "blue_green"),
    (r"\brolling\b|\bone at a time\b|\bgradual(?:ly)?\b", "rolling"),
)
ALL_APPROVALS = r"\b(?:all|every|any|past|history|historic|decided|approved|rejected|expired|old|previous)\b"
LIMIT_PATTERNS: tuple[str, ...] = (
    r"\b(?:last|latest|recent|top|first|most recent)\s+(\d+)\b",
    r"\b(\d+)\s+(?:most recent|latest|last|recent)?\s*(?:events?|entries|entry|changes?|actions?|records?"
    r"|items?|lines?|things)\b",
)
REFERS_BACK = (r"\b(?:it|its|it's|that one|those|them|same|the same|this app|that app|this service|"
               r"that service|the app|the service|there)\b")

_YES = (r"(?:yes|yeah|yep|yup|y|sure|correct|right|exactly|indeed|that's (?:it|right|the one)|ok|okay|affirmative"
        r"|i did|yes i did)")
_GO = r"(?:please|go ahead|do it|proceed|go for it|sounds good|let's do it|please do|that one)"
AFFIRM = rf"^\s*(?:{_YES}(?:[\s,.!]+{_GO})*|{_GO}(?:[\s,.!]+{_GO})*)[\s.!]*$"
NEGATIVE = r"^\W*(?:no|nope|nah|not|don'?t|do not|stop|leave|hold|wait|nothing|never|actually,? (?:no|not|nothing))\b"
DENY = r"^\s*(?:no|nope|nah|n|wrong|not that(?: one)?|neither)\b[\s.!]*$"

BYPASS_PATTERNS: tuple[str, ...] = (
    r"\b(?:skip|bypass|override|ignore|circumvent|disable|avoid|get around|sidestep|without)\b[^.?!]{0,40}"
    r"\bapprov",
    r"\bapprove\b[^.?!]{0,30}\b(?:yourself|for me|on my behalf|it now|apr_\w+|request|change|deploy|"
    r"scal\w*|rollback|that|this|it|them)\b",
    r"\bauto[- ]?approv", r"\bself[- ]?approv", r"\b(?:i|we)\s+(?:hereby\s+)?approve\b",
    r"\b(?:no|don't need|do not need|doesn't need)\s+(?:an?\s+)?approval",
    r"\b(?:don't|do not|dont)\s+(?:wait|ask)\s+for\s+(?:an?\s+)?approv", r"\bforce[- ]?(?:it|push|through)\b",
    r"\bmark\b[^.?!]{0,30}\bapproved\b", r"\bapprove (?:all|everything|the pending)\b",
)

# A question about a change ("has v2 been deployed to prod?", "did anyone scale api?") asks what happened: it is
# read as a status or audit question, never as a request to make the change.
_DONE = (r"(?:deployed|scaled|rolled (?:back|out)|reverted|released|shipped|upgraded|promoted|downgraded|restored"
         r"|redeployed)")
CHANGE_QUESTION = (rf"^\W*(?:(?:has|have|had|was|were|is|are)\b[^?]*\b{_DONE}\b|did\b"
                   r"|when\s+(?:did|was|were|has|have|is|are)\b|(?:do|does)\b[^?]*\?\s*$)")
HISTORY_QUESTION = r"\b(?:did|when|who|ever|anyone|anybody|someone|recently|lately|last|today|yesterday)\b"

# Conditions on a change: "roll back if the error rate is above 2%".
CONDITION_IF = r"\b(?:if|only if|in case)\b"
COMPARISON = (r"(?P<op>above|over|greater than|more than|higher than|exceeds?|at least|>=?|below|under|less than"
              r"|lower than|at most|<=?)\s*(?P<value>\d+(?:\.\d+)?)")
LESS_THAN = ("below", "under", "less than", "lower than", "at most", "<", "<=")

# Words before an environment that make it the source of a promotion when another one is the target:
# "promote api from staging to prod", "deploy whatever staging runs to prod", "the same version as staging".
SOURCE_ENV_BEFORE = r"\b(?:from|as|as in|as on|whatever|what|match(?:es|ing)?|like|copy)\s+(?:the\s+)?$"

ALL_ENVS = (r"\b(?:all|every|each)\s+(?:of\s+)?(?:the\s+|our\s+)?env(?:ironment)?s?\b|\beverywhere\b"
            r"|\bacross (?:the\s+)?(?:board|env(?:ironment)?s)\b")

REQUEST_ID = r"\bapr_[0-9a-z]+\b"
# Questions about who/when approves are not attempts to bypass approval ("who can approve my request?").
APPROVAL_QUESTION = r"^\s*(?:who|whom|when|how long|where|which)\b"

# Fillers at the start of a message that carry no request ("oops, I meant api", "hmm. roll it back").
INTERJECTION = re.compile(
    r"^\s*(?:oops|whoops|oh|ah|uh|um|erm|hmm+|well|ok(?:ay)?|so|alright|sorry|(?:no\s+)?wait|hang on)\s*[,.!:;-]+\s*"
    r"(?=\S)")

NOT_BEFORE = re.compile(r"(?:\bnot|\binstead of|\brather than|\bexcept|\bbut not)\s+(?:the\s+|in\s+|for\s+)?$")

# Words that are never taken for a misspelt app name (plus every word of the training utterances).
_COMMON = (
    "a about above after again all also am an and any are as at back be been before being below between both "
    "but by can could did do does doing done down during each few for from further had has have having he her "
    "here hers how i if in into is it its itself just me more most my myself no nor not now of off on once only "
    "or other our out over own please same she should so some such than that the their them then there these "
    "they this those through to too under until up very was we were what when where which while who whom why "
    "will with would you your yours yes okay thanks thank hello hey hi help show tell give list get set make "
    "check checks change changes going gone want need like let run runs running ran see look find status "
    "version versions release releases replica replicas instance instances pods service services app apps "
    "application applications environment environments metric metrics window hour hours minute minutes day "
    "days week weeks today yesterday double triple halve half scale deploy rollback roll revert approve "
    "approval approvals pending audit log logs history latest previous last past since current currently "
    "error errors rate rates latency traffic memory cpu load health healthy state everything anything "
    "something nothing thing things another again same stuff there where right wrong good bad fine nice cool "
    "start stop restart kill delete remove add create update upgrade ship push release fix broken"
)
COMMON_WORDS = frozenset(_COMMON.split())
