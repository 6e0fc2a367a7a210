namespace Esrs.Client.Import;

/// <summary>One invoice line of UCI Online Retail, as written in the file (row numbers from 1, after the header).</summary>
public sealed record UciRow(
    int RowNumber,
    string InvoiceNo,
    string StockCode,
    string Description,
    int Quantity,
    DateTime InvoiceDate,
    decimal UnitPrice,
    string CustomerId,
    string Country);
