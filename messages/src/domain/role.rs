//! Who may do what in a group: the contract's role table, in one place.
//!
//! | action | owner | admin | member |
//! |---|---|---|---|
//! | send, read, react, vote, leave, see the member list | yes | yes | yes |
//! | rename, set the topic, add members | yes | yes | no |
//! | remove a member | yes | yes (members only) | no |
//! | delete a member's message (not the owner's or an admin's) | yes | yes | no |
//! | make someone admin or member again; hand ownership over | yes | no | no |
//!
//! The owner's own role changes only by handing ownership over.

use shared::events::Role;

/// Something a member may want to do to a group or to another member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupAction {
    /// Rename, set the topic or add members.
    Manage,
    /// Remove a member who has this role.
    Remove(Role),
    /// Delete a message whose sender has this role (someone else's).
    DeleteMessageOf(Role),
    /// Change the role of a member who has this role, or hand ownership to them.
    ChangeRole(Role),
}

/// Whether a member with role `actor` may do `action`.
pub fn permits(actor: Role, action: GroupAction) -> bool {
    match (actor, action) {
        (Role::Owner, GroupAction::Manage) | (Role::Admin, GroupAction::Manage) => true,
        // Nobody removes the owner, changes their role or deletes their messages but themselves.
        (
            _,
            GroupAction::Remove(Role::Owner)
            | GroupAction::DeleteMessageOf(Role::Owner)
            | GroupAction::ChangeRole(Role::Owner),
        ) => false,
        (Role::Owner, GroupAction::Remove(_) | GroupAction::DeleteMessageOf(_)) => true,
        (Role::Admin, GroupAction::Remove(target) | GroupAction::DeleteMessageOf(target)) => {
            target == Role::Member
        }
        (Role::Owner, GroupAction::ChangeRole(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_role_table() {
        use GroupAction::*;
        use Role::*;
        let table = [
            (Manage, [true, true, false]),
            (Remove(Member), [true, true, false]),
            (Remove(Admin), [true, false, false]),
            (Remove(Owner), [false, false, false]),
            (DeleteMessageOf(Member), [true, true, false]),
            (DeleteMessageOf(Admin), [true, false, false]),
            (DeleteMessageOf(Owner), [false, false, false]),
            (ChangeRole(Member), [true, false, false]),
            (ChangeRole(Admin), [true, false, false]),
            (ChangeRole(Owner), [false, false, false]),
        ];
        for (action, allowed) in table {
            for (actor, expected) in [Owner, Admin, Member].into_iter().zip(allowed) {
                assert_eq!(permits(actor, action), expected, "{actor:?} {action:?}");
            }
        }
    }
}
