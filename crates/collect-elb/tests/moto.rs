//! The Elastic Load Balancing collector against moto: an application load balancer's
//! listeners, the rules of its HTTP listener, its attributes and the TLS policy it uses, as
//! AWS describes that policy.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_testkit::{unique_account, Emulator};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
    ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
};
use aws_sdk_elasticloadbalancingv2::Client;

#[tokio::test]
async fn collects_load_balancers_listeners_rules_attributes_and_policies() {
    let emu = Emulator::shared();
    let region = "eu-west-1";
    let cfg = emu.account_config(&unique_account(), region).await;
    let ec2 = aws_sdk_ec2::Client::new(&cfg);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.9.1.0/24", "a"), ("10.9.2.0/24", "b")] {
        subnets.push(
            ec2.create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(format!("{region}{az}"))
                .send()
                .await
                .unwrap()
                .subnet
                .unwrap()
                .subnet_id
                .unwrap(),
        );
    }
    let elb = Client::new(&cfg);
    let lb = elb
        .create_load_balancer()
        .name("web")
        .set_subnets(Some(subnets.clone()))
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .r#type(LoadBalancerTypeEnum::Application)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    elb.create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code(RedirectActionStatusCodeEnum::Http301)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    elb.create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Https)
        .port(443)
        .ssl_policy("ELBSecurityPolicy-2016-08")
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    aws_sdk_elasticloadbalancingv2::types::FixedResponseActionConfig::builder()
                        .status_code("200")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    elb.modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .attributes(
            LoadBalancerAttribute::builder()
                .key("routing.http.drop_invalid_header_fields.enabled")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();

    let r = collect_elb::collect_region(&cfg, region, 4).await;
    let lbs = r.load_balancers.get().unwrap();
    assert_eq!(lbs.len(), 1);
    let web = &lbs[0];
    assert_eq!(
        (web.kind.as_str(), web.internet_facing()),
        ("application", true)
    );
    assert_eq!(web.subnets.len(), 2);
    assert_eq!(
        web.attribute("routing.http.drop_invalid_header_fields.enabled"),
        Some("true")
    );
    let listeners = web.listeners.get().unwrap();
    let http = listeners.iter().find(|l| l.protocol == "HTTP").unwrap();
    assert_eq!(http.ssl_policy, None, "a policy only on TLS listeners");
    assert!(http.default_actions.iter().all(|a| a.keeps_http_off()));
    let rules = http.rules.as_ref().unwrap().get().unwrap();
    assert!(
        !rules.is_empty()
            && rules
                .iter()
                .all(|r| r.actions.iter().all(|a| a.keeps_http_off()))
    );
    let https = listeners.iter().find(|l| l.protocol == "HTTPS").unwrap();
    assert_eq!(
        https.ssl_policy.as_deref(),
        Some("ELBSecurityPolicy-2016-08")
    );
    assert!(
        https.rules.is_none(),
        "rules are read for HTTP listeners only"
    );
    let protocols = &r.ssl_policies.get().unwrap()["ELBSecurityPolicy-2016-08"];
    assert!(protocols.iter().any(|p| p == "TLSv1") && protocols.iter().any(|p| p == "TLSv1.2"));
}
