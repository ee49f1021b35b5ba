"""The population register: residents, families (Kartu Keluarga) and phone numbers.

Every officer query goes through `warga.core.scoping.scoped()`; the area of a resident or a
family is its desa (a Region code), declared by `scope_region_field`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warga.core.scoping import ScopedManager


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Religion(models.TextChoices):
    ISLAM = "islam", _("Islam")
    KRISTEN = "kristen", _("Protestant Christian")
    KATOLIK = "katolik", _("Catholic")
    HINDU = "hindu", _("Hindu")
    BUDDHA = "buddha", _("Buddhist")
    KONGHUCU = "konghucu", _("Confucian")
    KEPERCAYAAN = "kepercayaan", _("Belief in God Almighty (kepercayaan)")


class MaritalStatus(models.TextChoices):
    SINGLE = "belum_kawin", _("Not married")
    MARRIED = "kawin", _("Married")
    DIVORCED = "cerai_hidup", _("Divorced")
    WIDOWED = "cerai_mati", _("Widowed")


class Education(models.TextChoices):
    NONE = "tidak_sekolah", _("No schooling")
    SD_NOT_FINISHED = "belum_tamat_sd", _("Primary school not finished")
    SD = "sd", _("Primary school (SD)")
    SMP = "smp", _("Junior high (SMP)")
    SMA = "sma", _("Senior high (SMA/SMK)")
    D1_D2 = "d1_d2", _("Diploma I/II")
    D3 = "d3", _("Diploma III")
    S1 = "s1", _("Diploma IV/Bachelor (S1)")
    S2 = "s2", _("Master (S2)")
    S3 = "s3", _("Doctorate (S3)")


class BloodType(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    AB = "AB", "AB"
    O = "O", "O"  # noqa: E741 - the blood group
    UNKNOWN = "", _("Unknown")


class Citizenship(models.TextChoices):
    WNI = "WNI", _("Indonesian citizen (WNI)")
    WNA = "WNA", _("Foreign citizen (WNA)")


class LifeStatus(models.TextChoices):
    ALIVE = "alive", _("Alive")
    DEAD = "dead", _("Dead")
    MOVED_OUT = "moved_out", _("Moved out")
    MERGED = "merged", _("NIK retired (duplicate merged)")


class Relationship(models.TextChoices):
    HEAD = "kepala", _("Head of family (kepala keluarga)")
    HUSBAND = "suami", _("Husband")
    WIFE = "istri", _("Wife")
    CHILD = "anak", _("Child")
    CHILD_IN_LAW = "menantu", _("Son/daughter-in-law")
    GRANDCHILD = "cucu", _("Grandchild")
    PARENT = "orang_tua", _("Parent")
    PARENT_IN_LAW = "mertua", _("Parent-in-law")
    OTHER_RELATIVE = "famili_lain", _("Other relative")
    OTHER = "lainnya", _("Other")


KTP_AGE = 17


class Family(models.Model):
    """A Kartu Keluarga. Its members are the residents whose `family` points here."""

    kk_number = models.CharField(_("KK number"), max_length=16, unique=True)
    desa = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("desa/kelurahan")
    )
    rw = models.PositiveSmallIntegerField(_("RW"), null=True, blank=True)
    rt = models.PositiveSmallIntegerField(_("RT"), null=True, blank=True)
    address = models.CharField(_("address (dusun/street)"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "desa"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("family (KK)")
        verbose_name_plural = _("families (KK)")
        indexes = [models.Index(fields=["desa", "rw", "rt"], name="family_area_idx")]

    def __str__(self) -> str:
        return f"KK {self.kk_number}"


class Resident(models.Model):
    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    full_name = models.CharField(_("full name"), max_length=120)
    # Normalised spelling key (warga.registry.names.name_key) for search and duplicate blocking.
    name_key = models.CharField(max_length=120, db_index=True, editable=False, default="")
    birth_place = models.CharField(_("place of birth"), max_length=80, blank=True)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    religion = models.CharField(_("religion"), max_length=12, choices=Religion.choices, blank=True)
    marital_status = models.CharField(
        _("marital status"), max_length=12, choices=MaritalStatus.choices, default=MaritalStatus.SINGLE
    )
    occupation = models.CharField(_("occupation"), max_length=80, blank=True)
    education = models.CharField(_("education"), max_length=16, choices=Education.choices, blank=True)
    blood_type = models.CharField(_("blood type"), max_length=2, choices=BloodType.choices, blank=True)
    citizenship = models.CharField(_("citizenship"), max_length=3, choices=Citizenship.choices, default="WNI")
    father_name = models.CharField(_("father's name"), max_length=120, blank=True)
    mother_name = models.CharField(_("mother's name"), max_length=120, blank=True)
    # Links to the parents' own records when they are in the register (set at birth registration).
    mother = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("mother")
    )
    father = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("father")
    )
    desa = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("desa/kelurahan")
    )
    rw = models.PositiveSmallIntegerField(_("RW"), null=True, blank=True)
    rt = models.PositiveSmallIntegerField(_("RT"), null=True, blank=True)
    address = models.CharField(_("address (dusun/street)"), max_length=200, blank=True)
    family = models.ForeignKey(
        Family,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("family"),
    )
    relationship = models.CharField(
        _("relationship to head"), max_length=12, choices=Relationship.choices, blank=True
    )
    life_status = models.CharField(
        _("life status"), max_length=10, choices=LifeStatus.choices, default=LifeStatus.ALIVE, db_index=True
    )
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    ever_married = models.BooleanField(_("ever married"), default=False)
    # A copy of the KTP-el card's status ("" while there is no card), kept by database triggers on
    # cards_ktpcard (cards migration 0003) and never written by code: kabupaten-wide counts per
    # desa and status then read the register alone instead of joining 2 million card rows.
    ktp_status = models.CharField(max_length=20, blank=True, default="", db_default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    scope_region_field = "desa"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["family"], condition=Q(relationship="kepala"), name="one_head_per_family"
            ),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="resident_sex_valid"),
        ]
        indexes = [
            models.Index(fields=["desa", "rw", "rt"], name="resident_area_idx"),
            models.Index(fields=["birth_date"], name="resident_birth_idx"),
            # Name search takes the first candidates of a key in this order: an index range scan,
            # not a walk of the primary key filtering thousands of namesakes.
            models.Index(fields=["name_key", "id"], name="resident_name_key_id_idx"),
            # Name search with a birth date or year: the bearers of a name born in that window
            # come from the index alone, not from reading every bearer's row to check the date
            # (a common name has thousands at 2.6 million residents).
            models.Index(fields=["name_key", "birth_date"], name="resident_name_key_birth_idx"),
            # Name search within a desa, and a desa's residents listed by name: the desa's
            # bearers of a name (or of names starting with it) straight from the index, where
            # the name's index alone reads all its bearers in the kabupaten to keep the desa's.
            models.Index(fields=["desa", "name_key"], name="resident_desa_name_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # `ktp_status` belongs to the database triggers: a resident loaded before its card
        # changed must not write the old copy back.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = _RESIDENT_SAVED_FIELDS
        super().save(*args, **kwargs)

    def age_on(self, day: date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def ktp_required_on(self, day: date) -> bool:
        """KTP-el is required from age 17, or earlier for anyone who is or was married."""
        return self.life_status == LifeStatus.ALIVE and (self.age_on(day) >= KTP_AGE or self.ever_married)

    @property
    def ktp_required(self) -> bool:
        return self.ktp_required_on(timezone.localdate())


#: What a full save of an existing resident writes: every column but the trigger-kept copy.
_RESIDENT_SAVED_FIELDS = [
    f.name for f in Resident._meta.concrete_fields if not f.primary_key and f.name != "ktp_status"
]


class FamilyMembership(models.Model):
    """History of who belonged to which family, in which relationship, and when."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="memberships")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="memberships")
    relationship = models.CharField(max_length=12, choices=Relationship.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(ended_on__isnull=True), name="one_open_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} in {self.family_id} ({self.relationship})"


class Phone(models.Model):
    """A resident's mobile number, verified by an SMS code, with broadcast consent."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("number"), max_length=20, db_index=True)  # E.164, +62…
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    consent_broadcast = models.BooleanField(_("agrees to receive broadcasts"), default=False)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_channel = models.CharField(max_length=20, blank=True)  # counter, sms, web, field
    opted_out_at = models.DateTimeField(null=True, blank=True)
    failed_permanently_at = models.DateTimeField(null=True, blank=True)
    # One-time code: only its keyed hash is stored; it expires and allows a few attempts.
    otp_hash = models.CharField(max_length=64, blank=True)
    otp_sent_at = models.DateTimeField(null=True, blank=True)
    otp_expires_at = models.DateTimeField(null=True, blank=True)
    otp_attempts = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "resident__desa"
    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resident", "number"], name="unique_resident_phone")]
        verbose_name = _("phone number")

    def __str__(self) -> str:
        return self.number

    @property
    def can_receive_broadcasts(self) -> bool:
        return bool(
            self.verified_at
            and self.consent_broadcast
            and not self.opted_out_at
            and not self.failed_permanently_at
        )


# --------------------------------------------------------------------------- parents, events, history


class LifeEventType(models.TextChoices):
    BIRTH = "birth", _("Birth")
    DEATH = "death", _("Death")
    MOVE_WITHIN = "move_within", _("Move within the region")
    MOVE_OUT = "move_out", _("Move out")
    MOVE_IN = "move_in", _("Move in")
    MARRIAGE = "marriage", _("Marriage")
    DIVORCE = "divorce", _("Divorce")
    CORRECTION = "correction", _("Data correction")


class LifeEvent(models.Model):
    """One event that changed the register, with what the office was told and shown.

    The area is the desa where the event was registered (for a move, the desa of origin);
    the residents concerned are linked, so each resident's page lists their events.
    """

    type = models.CharField(_("event"), max_length=12, choices=LifeEventType.choices, db_index=True)
    occurred_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    reporter = models.CharField(_("reported by"), max_length=120, blank=True)
    documents = models.JSONField(_("supporting documents"), default=list, blank=True)
    event_ref = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    desa = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("desa/kelurahan")
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    residents = models.ManyToManyField(Resident, related_name="life_events", blank=True)
    details = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_region_field = "desa"
    objects = ScopedManager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.occurred_on}"


#: What a history row's `action` means, for people reading the history.
CHANGE_ACTIONS = {
    "create": _("Added to the register"),
    "correct": _("Data corrected"),
    "update": _("Data corrected"),
    "family_address": _("KK address changed"),
    "join_family": _("Joined a KK"),
    "member_added": _("Member added"),
    "member_born": _("Member born"),
    "member_removed": _("Member removed"),
    "member_death": _("Member died"),
    "member_move_out": _("Member moved out"),
    "member_marriage": _("Member left after marriage"),
    "member_split": _("Member moved to a new KK"),
    "removed": _("Removed from the KK"),
    "split": _("Moved to a new KK"),
    "new_head": _("New head of family"),
    "birth": _("Birth"),
    "death": _("Death"),
    "widowed": _("Spouse died"),
    "move_within": _("Move within the region"),
    "move_out": _("Move out"),
    "move_in": _("Move in"),
    "marriage": _("Marriage"),
    "divorce": _("Divorce"),
    "phone_add": _("Phone number added"),
    "phone_verify": _("Phone number verified"),
    "phone_consent": _("Broadcast consent changed"),
}


class ChangeRowsMixin:
    """Readable history: the action's label and (field label, old, new) rows."""

    action: str
    changes: dict
    described_model: type[models.Model]

    @property
    def action_label(self) -> str:
        return str(CHANGE_ACTIONS.get(self.action, self.action))

    def rows(self) -> list[tuple[str, object, object]]:
        result = []
        for name, values in self.changes.items():
            try:
                label = str(self.described_model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
            except Exception:
                label = name.replace("_", " ")
            old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)
            result.append((label, old, new))
        return result


class ResidentChange(ChangeRowsMixin, models.Model):
    """One write to a resident: who, when, why, and the old and new value of each field changed.

    `changes` is {field: [old, new]} with values as strings (dates ISO); a create has old None.
    Only what changed is stored, so the table grows with the edits, not with the register.
    """

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=24)
    reason = models.CharField(max_length=300, blank=True)
    event = models.ForeignKey(LifeEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changes = models.JSONField(default=dict)

    scope_region_field = "resident__desa"
    objects = ScopedManager()
    described_model = Resident

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["resident", "at"], name="resident_change_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


class FamilyChange(ChangeRowsMixin, models.Model):
    """One write to a family (address, KK number, members joining or leaving)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=24)
    reason = models.CharField(max_length=300, blank=True)
    event = models.ForeignKey(LifeEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changes = models.JSONField(default=dict)

    scope_region_field = "family__desa"
    objects = ScopedManager()
    described_model = Family

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["family", "at"], name="family_change_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"
