"""Every periodic task of Warga, in one place. Each is thin: it calls a service by name.

Add an entry here (one function per job) rather than declaring periodic tasks in app modules,
so the schedule can be read at a glance.

The `lock_task` locks below only keep two consumers from running the same job at once. A
consumer killed in the middle of a job leaves its lock in the queue store; the consumer is
therefore always started with `--flush-locks` (`manage.py serve`, deploy/systemd), so such a
lock lasts until the next start and never halts a job for good. SMS sending is not here: it
is the dispatcher process's job, owned by a lease (warga.messaging.dispatcher).
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from warga.core.scoping import unscoped


@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("purge-idempotency")
def purge_idempotency_records() -> None:
    from warga.core.idempotency import idempotency_purge

    idempotency_purge()


@db_periodic_task(crontab(minute="*"))
def broadcasts_start_periodic() -> None:
    """Start approved broadcasts whose time has come (the dispatcher process sends them)."""
    from warga.messaging.broadcasts import broadcasts_start_due

    with unscoped("periodic task: start every area's due broadcasts"):
        broadcasts_start_due()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("sms-reconcile")
def sms_reconcile_periodic() -> None:
    """Messages stuck in "sending" (crash) → failed, never resent; no report for days → expired."""
    from warga.messaging.services import sms_reconcile

    with unscoped("periodic task: messages of every area"):
        sms_reconcile()


@db_periodic_task(crontab(minute="23"))
@lock_task("statistics-refresh")
def statistics_refresh_hourly() -> None:
    """Analyse tables whose planner statistics are missing or stale: after a restore, or where
    autovacuum is off or behind (warga.core.statistics)."""
    from warga.core.statistics import statistics_refresh

    statistics_refresh()


@db_periodic_task(crontab(minute="*/15"))
@lock_task("imports-purge-stale")
def purge_stale_imports() -> None:
    from warga.imports.services import imports_purge_stale

    with unscoped("periodic task: stale imports of every area"):
        imports_purge_stale()


@db_periodic_task(crontab(day_of_week="0", hour="1", minute="30"))
@lock_task("dedupe-full-scan")
def scan_duplicates_weekly() -> None:
    from warga.dedupe.services import duplicates_scan

    with unscoped("periodic task: duplicates across every area"):
        duplicates_scan()


@db_periodic_task(crontab(day_of_week="1-5", hour="8", minute="5"))
@lock_task("applications-notify-overdue")
def applications_notify_overdue_daily() -> None:
    """Each working morning, tell each unit's head how many application files are past target."""
    from warga.applications.services import applications_notify_overdue

    with unscoped("periodic task: overdue files of every unit"):
        applications_notify_overdue()


@db_periodic_task(crontab(hour="3", minute="29"))
@lock_task("applications-orphan-scans")
def sweep_orphan_scans() -> None:
    """Scans written to storage by a transaction that then rolled back or was killed."""
    from warga.applications.services import orphan_scans_sweep

    with unscoped("periodic task: stored scans of every area"):
        orphan_scans_sweep()


@db_periodic_task(crontab(hour="3", minute="41"))
@lock_task("outreach-uploads-purge")
def purge_outreach_uploads() -> None:
    from warga.outreach.sync import uploads_purge

    with unscoped("periodic task: abandoned uploads of every device"):
        uploads_purge()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("cards-imports-resume")
def resume_status_imports() -> None:
    """A KTP-el status file left waiting or half-read by a killed worker is taken up again."""
    from warga.cards.services import ktp_status_imports_resume

    with unscoped("periodic task: status files of every office"):
        ktp_status_imports_resume()


@db_periodic_task(crontab(day_of_week="1-5", hour="7", minute="35"))
@lock_task("reports-escalate-overdue")
def reports_escalate_overdue_daily() -> None:
    """Each working morning, escalate overdue cases: first to the unit's head, then to the
    regional secretary's oversight view (the service does nothing on holidays and cuti bersama)."""
    from warga.reports.services import cases_escalate_overdue

    with unscoped("periodic task: overdue cases of every area"):
        cases_escalate_overdue()


@db_periodic_task(crontab(day_of_week="1-5", hour="7", minute="40"))
@lock_task("ppid-escalate-overdue")
def ppid_escalate_overdue_daily() -> None:
    """Each working morning, escalate information requests past their notice date: to the PPID
    utama, then to the atasan PPID (the service does nothing on holidays and cuti bersama)."""
    from warga.ppid.services import requests_escalate_overdue

    with unscoped("periodic task: overdue information requests of every unit"):
        requests_escalate_overdue()


@db_periodic_task(crontab(hour="0", minute="20"))
@lock_task("facts-nightly")
def facts_nightly() -> None:
    """Rebuild yesterday's facts from the source records, then start today's (the stocks as
    they stand; the services' events keep them fresh during the day)."""
    from datetime import timedelta

    from django.utils import timezone

    from warga.facts.services import facts_rebuild_day

    today = timezone.localdate()
    facts_rebuild_day(day=today - timedelta(days=1))
    facts_rebuild_day(day=today)


@db_periodic_task(crontab(hour="6", minute="30"))
@lock_task("facts-morning-summary")
def facts_morning_summary() -> None:
    """Each subscribed head's summary of yesterday, by SMS and e-mail."""
    from warga.facts.summary import summaries_send

    with unscoped("periodic task: each head's summary is read in their own scope"):
        summaries_send()


@db_periodic_task(crontab(minute="*/15"))
@lock_task("queues-bookings-expire")
def queues_bookings_expire() -> None:
    """Bookings not checked in by the end of their slot plus the grace become no-shows (their
    place is already free for others; this records it for the statistics)."""
    from warga.queues.services import bookings_expire

    bookings_expire()
