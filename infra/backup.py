"""AWS Backup for every DynamoDB table, beside point-in-time recovery.

PITR restores any second of the last 35 days, but it lives and dies with the table and its
account settings: a deleted table's PITR window is gone after 35 days, and an `UpdateTable`
that switches PITR off loses it at once. Backup's recovery points sit in a vault of their own,
outlive the table, and (weekly, prod) reach back a year.

- one vault per stage, RETAIN (a vault with recovery points cannot be deleted anyway);
- daily at 03:00 UTC, kept `Stage.backup_daily_days`; in prod also weekly (Sunday 04:00 UTC),
  kept `Stage.backup_weekly_days`;
- the selection lists every table the stack creates, by ARN (infra/tables.py), so a new model's
  table is backed up by the same deploy that creates it.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from constructs import Construct

from infra.nag import suppress
from infra.stages import Stage
from infra.tables import HandoverTables


class TableBackups(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, tables: HandoverTables) -> None:
        super().__init__(scope, construct_id)
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=f"{stage.stack_name}-tables",
            # The recovery points are the point of it: a stack deletion leaves them.
            removal_policy=RemovalPolicy.RETAIN,
        )
        rules = [backup.BackupPlanRule(
            rule_name="daily",
            schedule_expression=events.Schedule.cron(minute="0", hour="3"),
            start_window=Duration.hours(1),
            completion_window=Duration.hours(4),
            delete_after=Duration.days(stage.backup_daily_days),
        )]
        if stage.backup_weekly_days:
            rules.append(backup.BackupPlanRule(
                rule_name="weekly",
                schedule_expression=events.Schedule.cron(minute="0", hour="4", week_day="SUN"),
                start_window=Duration.hours(1),
                completion_window=Duration.hours(4),
                delete_after=Duration.days(stage.backup_weekly_days),
            ))
        self.plan = backup.BackupPlan(self, "Plan", backup_plan_name=f"{stage.stack_name}-tables",
                                      backup_vault=self.vault, backup_plan_rules=rules)
        self.selection = self.plan.add_selection(
            "Tables",
            backup_selection_name=f"{stage.stack_name}-tables",
            resources=[backup.BackupResource.from_dynamo_db_table(t) for _, t in sorted(tables.tables.items())],
            # Restores are done by ops in the console (docs/runbook.md), with AWS Backup's default role.
            allow_restores=False,
        )
        suppress(self.selection.grant_principal.node.default_child,
                 "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]",
                 "AWS's own policy for the AWS Backup service role (what AWS Backup needs to back up the selected "
                 "resources, kept current by AWS as services add backup features); the role is assumed only by "
                 "backup.amazonaws.com and the selection names each table.")
