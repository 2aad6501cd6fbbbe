import asyncio
import json

from django.http import Http404
from django.template.loader import render_to_string

from dialogue import latest, machine, rendering, resync, services
from dialogue.access import get_dialogue_for_partner
from dialogue.forms import SCREEN_MOVES, MoveForm
from dialogue.models import Dialogue
from imago_app import zones
from imago_app.access import other_partner
from imago_app.consumers import CLOSE_NOT_FOUND, SessionSocket, seen_key
from imago_app.db import NeedsDatabase, db_call, no_queries

MAX_FRAME_BYTES = 8 * 1024


class DialogueConsumer(SessionSocket):
    """One partner's live connection to one dialogue.

    Moves come in as form values; each is checked and stored by the service, which tells the
    dialogue's group after commit. Every socket in the group then reads the dialogue from the
    database and sends its own person the parts of the screen that changed. A broadcast that
    never comes is made up for by the process's resync watcher (dialogue/resync.py), which
    compares `shown_seq` with the database.
    """

    dialogue_id: int
    group: str | None = None
    people: dict | None = None  # the partners' User rows, kept between pushes
    shown_seq = 0  # the dialogue's sequence number in the last screen sent
    bar_key: tuple | None = None  # what the bar showed in the last screen sent (Screen.bar_key)

    async def open(self) -> list[str] | None:
        self.dialogue_id = int(self.scope["url_route"]["kwargs"]["dialogue_id"])
        self.other_name, self.shared = await self.other_partner()
        if self.other_name is None:
            return None
        self.group = services.dialogue_group(self.dialogue_id)
        self.handed_to: int | None = None
        self.others: set[str] = set()  # the other partner's open sockets on this dialogue
        # The page says which stage it shows; a stage already on screen is not sent again, so
        # connecting never wipes what someone has started typing.
        self.stage_key = seen_key(self.scope)
        # One push at a time: the watcher's catch-up and this socket's own messages must not
        # send their renders out of order.
        self.pushing = asyncio.Lock()
        return [self.group]

    async def opened(self) -> None:
        await self.push()
        resync.watcher.watch(self.dialogue_id, self)
        await self.send_presence()
        await self.channel_layer.group_send(
            self.group,
            {"type": "presence.here", "user": self.user.pk, "reply_to": self.channel_name},
        )

    async def closing(self) -> None:
        if resync.watcher.forget(self.dialogue_id, self):  # this process's last socket on it
            latest.forget(self.dialogue_id)
        await self.channel_layer.group_send(
            self.group,
            {"type": "presence.left", "user": self.user.pk, "channel": self.channel_name},
        )

    async def frame(self, text_data: str | None, bytes_data: bytes | None) -> None:
        if text_data is None:
            await self.send_error("We couldn't read that. Please try again.")
            return
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_error("That was too long to send in one go. Try a smaller piece.")
            return
        try:
            data = json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than anyone types
            data = None
        form = MoveForm.from_frame(data) if isinstance(data, dict) else None
        if form is None:
            await self.send_error("We couldn't read that. Please try again.")
            return
        if not form.is_valid():
            await self.send_error(form.first_error())
            return
        if form.cleaned_data["move"] in SCREEN_MOVES:
            self.handed_to = form.cleaned_data["acting_for"]
            await self.push()
            return
        try:
            # The move and the mover's screen in one database call: the screen is drawn from the
            # row the service has just written, and the broadcast of the same move is then
            # passed over (dialogue_changed).
            await self.push(move=form.service_kwargs())
        except services.AlreadyApplied:
            await self.push()  # a double tap: no error, just the screen as it is
        except services.Stale as stale:
            self.stage_key = None
            await self.push(error=stale.message)
        except services.Refused as refused:
            await self.send_error(refused.message)

    async def send_note(self, message: str) -> None:
        await self.send_error(message)

    # --- group messages -----------------------------------------------------------------------

    async def dialogue_changed(self, event: dict) -> None:
        # Access was checked at connect; what could end it (the couple closing, signing out)
        # reaches this socket as its own message, which checks again. A move this screen
        # already shows (its own, pushed straight after the service) is not drawn twice.
        seq = event.get("seq", 0)
        if seq > self.shown_seq:
            await self.push(recheck=False, at_seq=seq)

    async def catch_up(self, seq: int) -> None:
        """Called by the resync watcher: the dialogue is at `seq` and the last screen sent was
        older, so a broadcast was lost. What else was lost is not known, so access is checked
        again."""
        async with self.pushing:
            if self.shown_seq < seq:
                await self._push("", recheck=True)

    async def panel_changed(self, event: dict) -> None:
        # The user's group also carries home-page changes; only a closed couple matters here,
        # and push() finds it out and closes the socket.
        if event.get("what") == "couple_ended":
            await self.push()

    async def presence_here(self, event: dict) -> None:
        if event["user"] == self.user.pk:
            return
        self.others.add(event["reply_to"])
        await self.send_presence()
        await self.channel_layer.send(
            event["reply_to"],
            {"type": "presence.also", "user": self.user.pk, "channel": self.channel_name},
        )

    async def presence_also(self, event: dict) -> None:
        if event["user"] != self.user.pk:
            self.others.add(event["channel"])
            await self.send_presence()

    async def presence_left(self, event: dict) -> None:
        if event["user"] != self.user.pk:
            self.others.discard(event["channel"])
            await self.send_presence()

    # --- rendering ----------------------------------------------------------------------------

    async def push(
        self, error: str = "", *, recheck: bool = True, at_seq: int = 0, move: dict | None = None
    ) -> None:
        """Send this socket's screen. With `move`, make that move first (the service's
        exceptions reach the caller, and nothing is sent)."""
        async with self.pushing:
            await self._push(error, recheck=recheck and move is None, at_seq=at_seq, move=move)

    async def _push(
        self, error: str, *, recheck: bool, at_seq: int = 0, move: dict | None = None
    ) -> None:
        try:
            drawn = None
            if not recheck and move is None:
                drawn = self.draw_held(self.stage_key, error, at_seq)
            if drawn is None:
                drawn = await self.render(self.stage_key, error, recheck, at_seq, move)
            html, self.stage_key, self.bar_key, seq = drawn
        except Http404:  # no longer theirs to see (they left the couple)
            await self.close(
                code=CLOSE_NOT_FOUND, reason="This dialogue is no longer yours to see."
            )
            return
        await self.send(text_data=html)
        self.shown_seq = seq

    async def send_error(self, message: str) -> None:
        # Only to this socket: nobody else sees a refused move.
        await self.send(text_data=render_to_string(f"{rendering.PAGE}#error", {"error": message}))

    def presence(self) -> dict:
        return {"name": self.other_name, "here": bool(self.others)}

    async def send_presence(self) -> None:
        if self.shared:  # both are at this one screen
            return
        context = {"presence": self.presence()}
        await self.send(text_data=render_to_string(f"{rendering.PAGE}#presence", context))

    @db_call
    def other_partner(self) -> tuple[str | None, bool]:
        """The other partner's name (None when this dialogue is not the user's to see), and
        whether the dialogue is on one shared device."""
        try:
            dialogue = get_dialogue_for_partner(self.user, self.dialogue_id)
        except Http404:
            return None, False
        other = other_partner(dialogue.couple, self.user)
        shared = dialogue.device == machine.Device.SHARED_DEVICE
        return (other.display_name if other else ""), shared

    @db_call
    def render(
        self,
        shown_key: str | None,
        error: str,
        recheck: bool,
        at_seq: int = 0,
        move: dict | None = None,
    ) -> tuple[str, str, tuple, int]:
        """The parts of the screen to send, the stage and bar keys now on screen and the
        sequence number they show: after checking again that the dialogue is still this user's
        to see (with `recheck`), after making `move` (drawn from the row the service has just
        written, as it is), or for a broadcast of `at_seq` (from the row this process holds at
        that seq, if it does)."""
        if move is not None:
            dialogue = services.dialogue_move(
                dialogue_id=self.dialogue_id, partner=self.user, **move
            )
        if self.people is None or recheck:  # push() never asks both
            dialogue = get_dialogue_for_partner(self.user, self.dialogue_id)
            self.people = None  # names are read again with the access check
        elif move is None:
            dialogue = latest.dialogue_at(self.dialogue_id, at_seq) or latest.read(self.dialogue_id)
        return self.draw(dialogue, shown_key, error)

    def draw_held(self, shown_key: str | None, error: str, at_seq: int) -> tuple | None:
        """As render(), on the event loop, when everything the screen needs is in this process
        (the row and round at `at_seq`, the partners' names; latest.py): no thread, no query.
        None when something is not held, and render() is to do it."""
        dialogue = latest.dialogue_at(self.dialogue_id, at_seq)
        if dialogue is None or self.people is None:
            return None
        try:
            with no_queries():
                return self.draw(dialogue, shown_key, error)
        except NeedsDatabase:  # not all held (a round read, the therapist at the check-in)
            return None

    def draw(
        self, dialogue: Dialogue, shown_key: str | None, error: str
    ) -> tuple[str, str, tuple, int]:
        with zones.viewing(self.user):  # times as the page shows them: in this user's zone
            screen = rendering.load_screen(
                dialogue, self.user, handed_to=self.handed_to, people=self.people
            )
            self.people = screen.people
            presence = self.presence()
            # Only what changed is drawn and sent: most moves change the stage alone.
            parts = ["seq", "pause", "error"]
            bar_key = screen.bar_key(presence)
            if bar_key != self.bar_key:
                parts.append("bar")
            if screen.stage_key != shown_key:
                parts += ["stage", "face", "live"] if screen.shared else ["stage", "live"]
            html = rendering.render_parts(
                screen, self.request, parts=parts, error=error, presence=presence
            )
        return html, screen.stage_key, bar_key, dialogue.seq
