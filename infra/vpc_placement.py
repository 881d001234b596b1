"""The functions' place in the user's VPC: the imported VPC and subnets, their security groups,
and the network-interface permissions Lambda needs to attach them.

Everything is imported from the ids in context, with no lookup: `cdk synth` needs no AWS
credentials, and the template says exactly which subnets and groups are used. The VPC is
imported with no subnets of its own; the functions get the subnets as an explicit selection,
so nothing asks for a subnet's zone, which CDK is never told.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Annotations, Fn
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.nag import acknowledge

# What Lambda needs on the execution role to create, find and remove the functions' ENIs: the
# EC2 part of the AWS managed policy AWSLambdaVPCAccessExecutionRole (the logs part is already
# granted per log group). Lambda checks them when the function is created or updated.
ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]


class VpcPlacement(Construct):
    """The VPC, the subnets and the security groups (given, or one made here)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc_id: str,
        subnet_ids: Sequence[str],
        security_group_ids: Sequence[str] | None,
    ) -> None:
        super().__init__(scope, construct_id)
        # The zones are required, but only spread the subnets given in these attributes, and
        # none are: the region's zones as a token (Fn::GetAZs) that nothing reads, so it never
        # reaches the template.
        self.vpc = ec2.Vpc.from_vpc_attributes(
            self, "Vpc", vpc_id=vpc_id, availability_zones=Fn.get_azs()
        )
        Annotations.of(self.vpc).acknowledge_warning(
            "@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones",
            "every construct given this VPC gets its subnets as an explicit selection",
        )
        self.subnets = [
            ec2.Subnet.from_subnet_id(self, f"Subnet{i}", subnet_id)
            for i, subnet_id in enumerate(subnet_ids)
        ]
        for subnet in self.subnets:
            # Only gateway endpoints would need a subnet's route table; the stack makes none.
            Annotations.of(subnet).acknowledge_warning(
                "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                "the stack never reads the route tables of the subnets it is given",
            )
        self.security_groups: list[ec2.ISecurityGroup]
        if security_group_ids:
            self.security_groups = [
                # Immutable: the stack never adds a rule to a group the user owns.
                ec2.SecurityGroup.from_security_group_id(
                    self, f"SecurityGroup{i}", group_id, mutable=False
                )
                for i, group_id in enumerate(security_group_ids)
            ]
        else:
            # Nothing connects to a Lambda function: no ingress. Egress to anywhere, because
            # what the functions reach (AWS endpoints, apps, the user's database) is the VPC's
            # business: its routes, endpoints and the target's own security group decide.
            self.security_groups = [
                ec2.SecurityGroup(
                    self,
                    "SecurityGroup",
                    vpc=self.vpc,
                    description="inngest-lambda functions: all egress, no ingress",
                    allow_all_outbound=True,
                )
            ]

    def function_props(self) -> dict[str, Any]:
        """Keyword arguments of `lambda_.Function` that put it in the VPC."""
        return {
            "vpc": self.vpc,
            "vpc_subnets": ec2.SubnetSelection(subnets=self.subnets),
            "security_groups": self.security_groups,
        }

    def grant_network_interfaces(self, role: iam.Role) -> None:
        """Lambda creates the functions' ENIs with the execution role's permissions.

        The describe actions work only on every resource; the others are given the same scope
        AWS's own policy for this uses, because Lambda validates the role against it when the
        function is created, and a narrower grant that passes IAM can still fail there with
        nothing to test it against short of a deploy.
        """
        role.add_to_policy(iam.PolicyStatement(actions=ENI_ACTIONS, resources=["*"]))
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Lambda in a VPC manages its own network interfaces with the execution role, and"
            " EC2 authorizes DescribeNetworkInterfaces only on every resource: the EC2 actions of"
            " the AWS managed policy AWSLambdaVPCAccessExecutionRole, inline, on the same scope.",
        )
