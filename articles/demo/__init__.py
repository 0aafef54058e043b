"""Original demo content for `manage.py loaddemo`: three articles and one heated discussion."""

ARTICLES = [
    {
        "slug": "harbour-district-goes-car-free",
        "title": "The Harbour District Goes Car-Free, and Nobody Agrees on What Happens Next",
        "byline": "Mara Lindqvist",
        "source_name": "Threadline demo desk",
        "days_ago": 2,
        "summary": "The council's vote to close the old harbour to through traffic was the easy part. "
        "Deliveries, parking and the Saturday market are where the fight really starts.",
        "body": """\
On Tuesday night the city council voted eleven to four to close the old harbour district to through
traffic from next spring. The vote itself surprised no one: the plan has been on the table for three
years, it survived two public consultations, and the mayor made it the centrepiece of her last campaign.

What the vote did not settle is almost everything that matters to the people who live and work there.

## Deliveries

The district has forty-one shops, nine restaurants and a fish market that opens at five in the morning.
The plan allows delivery vans between six and ten, which the market's traders say is two hours too late
and the restaurants say is fine. A loading bay on Quay Street is promised "subject to survey", which
everyone involved reads as "not this year".

## Parking

Roughly 300 on-street spaces disappear. The council points to the multi-storey car park on the ring
road, eight minutes' walk away and rarely more than half full. Residents point out that eight minutes
is a long way with a pushchair in the rain, and that resident permits for the car park have not been
priced yet.

## The Saturday market

This is the part most likely to decide whether the scheme is remembered as a success. Closing the
streets could let the market spread out along the quay, something traders have asked for since the
nineties. It could also push the regular customers from the suburbs, who arrive by car, to the
supermarket on the bypass instead.

> "We are not against it," one stallholder told us. "We are against finding out in April whether it
> works."

The council will publish a detailed traffic order in January. Until then, the argument moves to
kitchen tables, shop counters and, no doubt, the comments below.
""",
    },
    {
        "slug": "why-the-night-train-came-back",
        "title": "Why the Night Train Came Back",
        "byline": "Tomasz Wierzbicki",
        "source_name": "Threadline demo desk",
        "days_ago": 9,
        "summary": "Sleeper services were written off as a relic. A decade later they are selling out. "
        "The reasons have less to do with nostalgia than with timetables.",
        "body": """\
Ten years ago most of Europe's sleeper trains were being cut. They were slow, expensive to run and,
operators said, loved mainly by people who did not actually buy tickets.

Today several of the revived routes sell out weeks ahead. The usual explanation is a mood: flight shame,
slow travel, the romance of waking up somewhere new. The numbers suggest something plainer.

A night train competes not with the plane but with **the plane plus a hotel**. Leave at nine in the
evening, arrive at seven in the morning, and the traveller has saved a night's accommodation and most
of a working day. On routes of 800 to 1,200 kilometres that sum is hard to beat.

The hard part is rolling stock. Sleeper carriages are expensive, used once a day and idle in the
daytime, which is why the new operators lease rather than buy, and why timetables are built around
getting the same carriages back for the following night.

Whether the revival lasts depends on track access charges, which in some countries cost more at night
than in the day. That is a policy choice, and it can be changed.
""",
    },
    {
        "slug": "a-beginners-guide-to-community-gardens",
        "title": "A Beginner's Guide to Joining a Community Garden",
        "byline": "Aiyana Brooks",
        "source_name": "Threadline demo desk",
        "days_ago": 21,
        "summary": "Waiting lists, shared tools and the unwritten rules about courgettes.",
        "body": """\
Community gardens are having a moment, and waiting lists in most cities are now measured in seasons
rather than weeks. If you are on one, here is what to expect when your name comes up.

1. **You will share more than you think.** Tools, water, compost and, every August, courgettes.
2. **Plots are inspected.** Usually twice a year, and an overgrown plot is the fastest way back to the
   bottom of the list.
3. **The best advice is free.** The person on the next plot has probably been growing beans there for
   twenty years. Ask.

Start small: one bed, three crops you actually eat, and a chair.
""",
    },
]

# The discussion under the first article: five threads, up to three levels deep,
# thoughtful, cranky and abusive by turns, the way real threads go.
# Each entry: (key, parent key or None, author, body, status)
DISCUSSION = [
    (
        "a",
        None,
        "Priya N.",
        "I live two streets from the quay and I'm cautiously in favour. The traffic at school "
        "run time is genuinely dangerous. But the delivery window is the detail that will sink it "
        "if they get it wrong.",
        "approved",
    ),
    (
        "a1",
        "a",
        "Olek",
        "The fish market point is fair. Five in the morning deliveries aren't optional for them, "
        'and "subject to survey" means nothing.',
        "approved",
    ),
    (
        "a2",
        "a",
        "harbourlad",
        "Cautiously in favour until your rates go up to pay for the paving.",
        "approved",
    ),
    (
        "a2a",
        "a2",
        "Priya N.",
        "The paving is funded by the regional transport grant, it's in the council papers: "
        "https://example.org/council/harbour-plan",
        "approved",
    ),
    ("a2b", "a2", "harbourlad", "Grants are still our money. Read a book.", "approved"),
    (
        "b",
        None,
        "Dmitri K.",
        "Every city that has done this saw footfall go up after a rough first year. The "
        "shops that complain loudest usually do best. It's the same story everywhere.",
        "approved",
    ),
    (
        "b1",
        "b",
        "Joan Whitfield",
        "Citation needed. My sister's café closed eighteen months after her high street was pedestrianised.",
        "approved",
    ),
    (
        "c",
        None,
        "anon_commuter",
        "Typical council. Idiots, the lot of them, and anyone who voted for them is an idiot too.",
        "removed",
    ),
    (
        "c1",
        "c",
        "Ruth",
        "Whatever you think of the vote, the consultation ran for three years. Plenty of time to take part.",
        "approved",
    ),
    (
        "d",
        None,
        "Sam Okafor",
        "Question nobody has answered: what happens to the disabled parking bays on Quay "
        "Street? Are they moving to the car park too?",
        "approved",
    ),
    (
        "d1",
        "d",
        "Mara Lindqvist",
        "Good question. The draft order keeps eight blue-badge bays at the market end; "
        "we'll check the final version in January and update this piece.",
        "approved",
    ),
    ("d1a", "d1", "Sam Okafor", "Thanks. Eight is fewer than today but better than none.", "approved"),
    (
        "e",
        None,
        "Geert",
        "Market traders have asked to spread along the quay for thirty years. If this finally "
        "lets them, I'll forgive a lot.",
        "approved",
    ),
    (
        "e1",
        "e",
        "Lena",
        "Agreed. Saturday morning on a quay with no cars sounds lovely.\n\nThe suburbs can take "
        "the bus, it stops right there.",
        "approved",
    ),
    (
        "e1a",
        "e1",
        "Brian from Westfield",
        "The bus from Westfield is once an hour on Saturdays. Not everyone lives in the centre, Lena.",
        "approved",
    ),
]
