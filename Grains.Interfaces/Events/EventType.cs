namespace Esrs.Events;

/// <summary>The kind of behaviour an event records. <see cref="Unknown"/> is never valid: it marks a type the sender spelled in a way Esrs does not know.</summary>
public enum EventType
{
    Unknown = 0,
    Search = 1,
    View = 2,
    Click = 3,
    AddToCart = 4,
    RemoveFromCart = 5,
    Purchase = 6,
    Cancel = 7,
    Favorite = 8,
    Rating = 9,
}
