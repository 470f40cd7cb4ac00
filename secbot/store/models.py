"""SQLAlchemy models of the SEC Modifications Register.

Every fact row carries ``source``: the key of the ``sources`` row (a report or an import) that
stated it. Natural keys are unique so that re-importing is idempotent and concurrent importers
cannot create duplicates.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    """A document or import that states facts: a Change Status Report, a register workbook."""

    __tablename__ = "sources"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    paper_reference: Mapped[str | None] = mapped_column(String(80))
    issued: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)


class Modification(Base):
    __tablename__ = "modifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    family: Mapped[str] = mapped_column(String(5))  # DP, MP or SECMP
    number: Mapped[int] = mapped_column(Integer)
    suffix: Mapped[str] = mapped_column(String(2), default="")
    title: Mapped[str | None] = mapped_column(Text)
    proposer: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    lead_analyst: Mapped[str | None] = mapped_column(Text)
    raised: Mapped[dt.date | None] = mapped_column(Date)
    phase: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(80))
    path: Mapped[str | None] = mapped_column(String(80))
    impacted_parties: Mapped[list[str]] = mapped_column(JSON, default=list)
    sec_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    issue_summary: Mapped[str | None] = mapped_column(Text)
    solution_summary: Mapped[str | None] = mapped_column(Text)
    implementation_date: Mapped[str | None] = mapped_column(Text)  # free text, as SECAS gives it
    latest_update: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    source_date: Mapped[dt.date | None] = mapped_column(Date)  # when `source` said it; later wins

    earlier_titles: Mapped[list[EarlierTitle]] = relationship(
        back_populates="modification", cascade="all, delete-orphan", order_by="EarlierTitle.id"
    )

    __table_args__ = (Index("ix_modifications_family_number", "family", "number"),)


class EarlierTitle(Base):
    """A title a report once used for a modification; kept as a search alias."""

    __tablename__ = "earlier_titles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    modification_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    modification: Mapped[Modification] = relationship(back_populates="earlier_titles")
    __table_args__ = (UniqueConstraint("modification_id", "title"),)


class Conversion(Base):
    """The Panel converting a Draft Proposal into a Modification Proposal (DP162 -> MP162)."""

    __tablename__ = "conversions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), unique=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), unique=True)
    date: Mapped[dt.date | None] = mapped_column(Date)
    next_phase: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))


class Event(Base):
    """A dated event in a modification's timeline that has no table of its own."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    modification_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    __table_args__ = (
        UniqueConstraint("modification_id", "date", "kind", "text"),
        Index("ix_events_modification_date", "modification_id", "date"),
    )


class Meeting(Base):
    """A Panel, Change Board, Change Sub-Committee or Working Group meeting."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str | None] = mapped_column(Text)
    agenda_published: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    __table_args__ = (UniqueConstraint("kind", "date"), Index("ix_meetings_date", "date"))


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    modification_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    meeting: Mapped[Meeting] = relationship(back_populates="items")
    __table_args__ = (UniqueConstraint("meeting_id", "modification_id"),)


class Consultation(Base):
    """A Refinement, Modification Report, Working Group or other consultation.

    ``opens``/``closes`` may be unknown while only ``expected_week`` (a Monday) is announced.
    """

    __tablename__ = "consultations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    modification_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), index=True)
    opens: Mapped[dt.date | None] = mapped_column(Date)
    closes: Mapped[dt.date | None] = mapped_column(Date)
    expected_week: Mapped[dt.date | None] = mapped_column(Date)
    expected_text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    __table_args__ = (UniqueConstraint("modification_id", "kind", "round"),)


class Assessment(Base):
    """A DCC Preliminary (PA) or Impact (IA) Assessment."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    modification_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(2))  # PA or IA
    round: Mapped[int] = mapped_column(Integer, default=1)
    requested: Mapped[dt.date | None] = mapped_column(Date)
    accepted: Mapped[dt.date | None] = mapped_column(Date)
    returned: Mapped[dt.date | None] = mapped_column(Date)
    target_wd: Mapped[int | None] = mapped_column(Integer)
    clock_restart: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    __table_args__ = (UniqueConstraint("modification_id", "kind", "round"),)


class Vote(Base):
    """A Change Board vote."""

    __tablename__ = "votes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    modification_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(40))
    governance: Mapped[str | None] = mapped_column(String(40))  # self_governance | authority
    majority: Mapped[str | None] = mapped_column(String(20))  # unanimous | majority
    objective: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    __table_args__ = (UniqueConstraint("modification_id", "date"),)


class Decision(Base):
    """An Authority (Ofgem; BEIS in 2017) decision."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    modification_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20))  # approved | rejected
    authority: Mapped[str | None] = mapped_column(String(40))
    conditions: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    __table_args__ = (UniqueConstraint("modification_id", "date"),)


class Release(Base):
    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_text: Mapped[str | None] = mapped_column(Text)  # "No earlier than 27th June 2019"
    standalone: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    scope: Mapped[list[ReleaseScope]] = relationship(
        back_populates="release", cascade="all, delete-orphan", order_by="ReleaseScope.position"
    )


class ReleaseScope(Base):
    __tablename__ = "release_scope"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    modification_id: Mapped[int] = mapped_column(ForeignKey("modifications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))  # targeted | approved | tbc | implemented
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"))
    release: Mapped[Release] = relationship(back_populates="scope")
    __table_args__ = (UniqueConstraint("release_id", "modification_id"),)


class Statement(Base):
    """One row of a register file as its source stated it, never overwritten by another source.

    ``table`` is the import format's flat table (``importer.schema.FLAT_TABLES``), ``key`` the row's
    natural key as canonical JSON (``secbot.store.statements.key_text``), ``fields`` the row as given
    (``model_dump(mode="json", exclude_unset=True)`` without ``source``), ``position`` its order
    within its meeting or release. A source re-imported restates its rows: its statement is replaced.
    Statements order by the source's issue date, or ``recorded`` (the day first imported) for a
    source without one, then by source key. The fact tables are the register resolved from every
    statement (later wins field by field); ``secbot.store.asof`` resolves it as of any day.
    """

    __tablename__ = "statements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(ForeignKey("sources.key"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    fields: Mapped[dict] = mapped_column(JSON)
    recorded: Mapped[dt.date] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("key", "table", "source"),)  # key first: rows are looked up by key


class RegisterState(Base):
    """A single row whose revision grows with every import that changes something.

    Readers in any replica compare it with the revision their caches were built at.
    """

    __tablename__ = "register_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ImportRecord(Base):
    """One import that changed the register (file name, digest, counts)."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict] = mapped_column(JSON)


class InboundDelivery(Base):
    """A chat request already taken: Slack retries and replays of it are acknowledged and dropped.

    Keyed by platform and the platform's own id (Slack ``event_id`` or ``trigger_id``), so that
    several replicas behind one address still answer each request once.
    """

    __tablename__ = "inbound_deliveries"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    # What was answered, where a replay must be answered again (a Teams invoke's card).
    response: Mapped[dict | None] = mapped_column(JSON)


class TeamsConversation(Base):
    """Where the Teams bot can post unprompted: a conversation reference saved when it was installed
    in a team, added to a chat or first messaged, and deleted when it is removed.

    ``reference`` is the Bot Framework ConversationReference as JSON (bot, conversation, service URL,
    channel); ``service_url`` and ``tenant_id`` are copied out because a proactive post needs both.
    """

    __tablename__ = "teams_conversations"
    conversation_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    service_url: Mapped[str] = mapped_column(String(500))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # personal | channel | groupChat
    name: Mapped[str | None] = mapped_column(String(300))
    reference: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Subscription(Base):
    """A channel that receives a digest kind, with optional filters; one row per (platform, channel, kind).

    ``channel_id`` is the door's channel key (``Where.channel_id``: Slack ``team:channel``, a Teams
    conversation id). A subscription whose channel refused a post for good is paused, not deleted:
    ``paused_reason`` says why, and subscribing again resumes it.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "channel_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # agenda | consultations | monthly
    filters: Mapped[dict] = mapped_column(JSON, default=dict)  # phases, references, release
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    paused_reason: Mapped[str | None] = mapped_column(Text)


class OutboxPost(Base):
    """One post to one channel (a digest or an announcement to a subscription, or a notice to an admin
    channel), claimed before it is sent, so it is sent once.

    The unique (subscription, kind, period), or (kind, period, target) for a channel named directly,
    makes the claim: whichever process inserts the row sends it. ``lease_until`` lets another process
    take over a claim whose sender died; every claim adds one to ``claim_token`` (the fencing token),
    and every post and every change of the row is a compare-and-set on (id, token), so a sender that
    lost its claim stops before posting. ``parts`` are the ids of the messages of a multi-message post
    already up, in order, recorded each before the next is sent; ``sending`` says which part was about to
    go out when the claimant last fenced, so whoever resumes knows which call may have been in flight.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("subscription_id", "kind", "period"),
        UniqueConstraint("kind", "period", "target"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(32))  # e.g. 2026-11-23 (daily), 2026-W48 (weekly), 2026-11
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | failed
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claim_token: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str | None] = mapped_column(String(300))
    parts: Mapped[list | None] = mapped_column(JSON)
    sending: Mapped[int | None] = mapped_column(Integer)  # the part last fenced to go out: in flight unless in parts
    error: Mapped[str | None] = mapped_column(Text)
    # Which version of the content the posted message shows (announcements, which may be corrected).
    rendered_version: Mapped[int | None] = mapped_column(Integer)
    # A channel named directly (``slack:<team>:<channel>``, ``teams:<conversation>``) and what to post there.
    target: Mapped[str | None] = mapped_column(String(320))
    body: Mapped[dict | None] = mapped_column(JSON)


class ScheduleRun(Base):
    """A digest firing that fell due: fired (sent into the outbox), or missed while secbot was down."""

    __tablename__ = "schedule_runs"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # fired | missed


class AdminNotice(Base):
    """Something admins were told (a paused subscription, a missed digest), keyed so it is told once."""

    __tablename__ = "admin_notices"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    told_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One SECAS action from chat or the command line, done or refused, with the values it changed.

    Written in the same transaction as the change it records (``secbot.store.audit.record``), so the
    register never changes without its audit row. ``actor`` is the platform identity
    (``slack:T1:U1``, ``teams:<tenant>:<object id>``, ``shell:<login>``, ``system:sync``).
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str | None] = mapped_column(String(300))
    command: Mapped[str] = mapped_column(Text)  # as typed
    action: Mapped[str] = mapped_column(String(60))  # e.g. set-phase, announce, sync, audit
    reference: Mapped[str | None] = mapped_column(String(16), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # done | refused | cancelled | failed | previewed
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)


class PendingAction(Base):
    """An admin change shown for Confirm or Cancel; any replica may receive the button press."""

    __tablename__ = "pending_actions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # an unguessable token
    actor: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str | None] = mapped_column(String(300))
    command: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # pending | confirmed | cancelled | expired


class Announcement(Base):
    """A consultation announced by SECAS from chat, posted to every channel subscribed to consultations.

    ``version`` grows with each correction and the withdrawal; ``settled_version`` is the version every
    posted copy is known to show (the service keeps posting and editing until the two agree).
    ``restore`` is what the consultation row held before the announcement (None: the announcement
    created it), so that a withdrawal puts the register back as it was.
    """

    __tablename__ = "announcements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id", ondelete="SET NULL"))
    reference: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    opens: Mapped[dt.date] = mapped_column(Date)
    closes: Mapped[dt.date] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # active | withdrawn
    version: Mapped[int] = mapped_column(Integer, default=1)
    settled_version: Mapped[int] = mapped_column(Integer, default=0)
    restore: Mapped[dict | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RegisterSync(Base):
    """What ``secbot sync`` last saw at an address: validators for a conditional GET, and the outcome."""

    __tablename__ = "register_sync"
    url: Mapped[str] = mapped_column(String(500), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    imported_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))  # imported | unchanged | failed
    error: Mapped[str | None] = mapped_column(Text)


class RememberedQuestion(Base):
    """The question last answered in one place (a channel, a thread, a personal chat), for follow-ups
    ("more", "and its timeline?", "who raised it?"): ``line`` the command line it was read as,
    ``reference`` the modification last asked about there, ``at`` when (UTC). One row per place;
    ``secbot.store.memory`` writes it behind the answers and forgets it after 30 minutes."""

    __tablename__ = "remembered_questions"
    place: Mapped[str] = mapped_column(String(700), primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
