"""The rule set used until an office defines its own: first come, first served."""

from django.db import migrations


def create_default(apps, schema_editor):
    RuleSet = apps.get_model("cards", "PriorityRuleSet")
    Rule = apps.get_model("cards", "PriorityRule")
    if RuleSet.objects.filter(is_default=True).exists():
        return
    rule_set = RuleSet.objects.create(
        name="Siapa datang dulu, dilayani dulu",
        description="Urutan menurut lamanya menunggu sejak data siap cetak (PRR).",
        is_default=True,
    )
    Rule.objects.create(rule_set=rule_set, position=1, kind="first_come", weight=10)


class Migration(migrations.Migration):
    dependencies = [("cards", "0001_initial")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
