-- When the ops team merges two sign-ups of the same person (merged_user), the
-- person is kept once, under the new address: no old address may still be a
-- contact's e-mail (compared ignoring upper/lower case).
-- Returns every contact that still carries an old, merged-away address.

select
    merged_user.old_email,
    merged_user.new_email,
    contacts.user_id,
    contacts.email

from {{ ref('merged_user') }} as merged_user
inner join {{ ref('jafflegaggle_contacts') }} as contacts
    on lower(contacts.email) = lower(merged_user.old_email)
