use crate::msg::ChannelsResponse;

use super::*;

fn ids(res: ChannelsResponse) -> Vec<u64> {
    res.channels.into_iter().map(|c| c.id).collect()
}

#[test]
fn lists_by_owner_and_payee_page_by_id() {
    let mut s = Suite::new();
    let (alice, bob, provider, mallory) = (
        s.alice.clone(),
        s.bob.clone(),
        s.provider.clone(),
        s.mallory.clone(),
    );
    for _ in 0..3 {
        s.open(&alice, &provider, 10); // 1, 3, 5
        s.open(&bob, &mallory, 10); // 2, 4, 6
    }
    let by_owner = |s: &Suite, who: &Addr, start_after, limit| -> Vec<u64> {
        ids(s
            .query(&QueryMsg::ChannelsByOwner {
                owner: who.to_string(),
                start_after,
                limit,
            })
            .unwrap())
    };
    let by_payee = |s: &Suite, who: &Addr, start_after, limit| -> Vec<u64> {
        ids(s
            .query(&QueryMsg::ChannelsByPayee {
                payee: who.to_string(),
                start_after,
                limit,
            })
            .unwrap())
    };
    assert_eq!(by_owner(&s, &alice, None, None), vec![1, 3, 5]);
    assert_eq!(by_owner(&s, &bob, None, None), vec![2, 4, 6]);
    assert_eq!(by_owner(&s, &alice, Some(1), Some(1)), vec![3]);
    assert_eq!(by_owner(&s, &alice, Some(5), None), Vec::<u64>::new());
    assert_eq!(by_payee(&s, &provider, None, None), vec![1, 3, 5]);
    assert_eq!(by_payee(&s, &mallory, Some(2), None), vec![4, 6]);
    assert_eq!(by_payee(&s, &alice, None, None), Vec::<u64>::new());
    // Closed channels stay listed, with their accounts.
    s.release(&provider, 3).unwrap();
    let listed: ChannelsResponse = s
        .query(&QueryMsg::ChannelsByOwner {
            owner: alice.to_string(),
            start_after: Some(1),
            limit: Some(1),
        })
        .unwrap();
    assert!(listed.channels[0].closed);
}

#[test]
fn pages_are_capped() {
    let mut s = Suite::new();
    let (alice, provider) = (s.alice.clone(), s.provider.clone());
    for _ in 0..60 {
        s.open(&alice, &provider, 1);
    }
    let res: ChannelsResponse = s
        .query(&QueryMsg::ChannelsByOwner {
            owner: alice.to_string(),
            start_after: None,
            limit: Some(1_000),
        })
        .unwrap();
    assert_eq!(
        res.channels.len(),
        twinshare_types::pagination::MAX_LIMIT as usize
    );
}

#[test]
fn unknown_channel_and_bad_address_are_errors() {
    let s = Suite::new();
    let err = s
        .query::<Channel>(&QueryMsg::Channel { id: 9 })
        .unwrap_err();
    assert!(err.to_string().contains("payment channel 9"), "{err}");
    assert!(s
        .query::<ChannelsResponse>(&QueryMsg::ChannelsByOwner {
            owner: "nope".to_string(),
            start_after: None,
            limit: None,
        })
        .is_err());
}
